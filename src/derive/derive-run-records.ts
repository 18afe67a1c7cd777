import { randomUUID } from 'node:crypto';
import type { CascadeEntry, FailureTrace, FailureType } from '../contracts/failure-trace.ts';
import type { FallbackRecord } from '../contracts/fallback-record.ts';
import type { RecoveryAction, RecoveryTrace } from '../contracts/recovery-trace.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import { failureTypeOf } from '../classify/failure-type.ts';
import { type Episode, episodesOf } from './episodes.ts';
import { isFailedStep } from '../contracts/trace-step.ts';
import { stepFailureType } from '../classify/failure-type.ts';

/** The failure traces, recovery traces and fallback records of one run. */
export interface RunRecords {
  failure_traces: FailureTrace[];
  recovery_traces: RecoveryTrace[];
  fallback_records: FallbackRecord[];
}

/** A failure before it is placed in a cascade. */
interface Node {
  failure_id: string;
  ref: string;
  type: FailureType;
  timestamp: string;
  message: string | null;
  component: string;
  /** Position in the run, for ordering. */
  order: number;
}

/**
 * Derives a run's failure traces, recovery traces and fallback records (see "Cascades and
 * recovery" in the README) from its TraceRecord alone, so analyzers can derive them again from stored runs.
 *
 * Failures: every failed model or tool call that no recovery action ran is a failure; so is the
 * failure that started each recovery episode. Those the run did not recover from (unhandled
 * ones, and episodes that ended degraded or unresolved) form one chain, earliest first, that ends
 * in the run's own failure: the agent (invoke_agent) and, when a check caught it, the check.
 * The earliest is the primary (hop 0, where the failure began); each later link is "propagated".
 * The run's FailureEvent failure_id is the last link. Each episode the run recovered from is a
 * failure trace of its own (an independent failure). A run with no failure and no failed step
 * has none.
 */
export function deriveRunRecords(trace: TraceRecord, newId: () => string = randomUUID): RunRecords {
  const steps = trace.steps;
  // Most runs that pass have nothing to derive: no failure, no failed step, no recovery.
  if (!trace.failure && !steps.some((s) => s.type === 'recovery' || isFailedStep(s)))
    return { failure_traces: [], recovery_traces: [], fallback_records: [] };
  const episodes = episodesOf(steps);
  const inner = new Set(episodes.flatMap((e) => e.actions.flatMap((a) => a.inner_steps)));
  const triggers = new Set(episodes.map((e) => e.trigger.step_index).filter((i) => i !== null));
  const stepNode = (step: TraceStep): Node => ({
    failure_id: newId(),
    ref: stepRef(trace, step),
    type: stepFailureType(step),
    timestamp: step.ended_at ?? step.started_at,
    message:
      step.type === 'check'
        ? step.detail
        : (step.error?.message ?? (step.status === 'aborted' ? 'cut off at the run deadline' : null)),
    component: componentOf(trace, step),
    order: step.index,
  });

  // The failure each episode answers (none for an action taken on policy).
  const episodeNodes = new Map<number, Node>();
  for (const episode of episodes) {
    const { step_index, message } = episode.trigger;
    const first = episode.actions[0]!;
    if (step_index !== null) episodeNodes.set(episode.episode, stepNode(steps[step_index]!));
    else if (message !== null)
      episodeNodes.set(episode.episode, {
        failure_id: newId(),
        ref: first.target,
        type: episode.trigger.failure_type ?? 'error',
        timestamp: first.started_at,
        message,
        component: first.target,
        order: first.index - 0.5,
      });
  }
  const unhandled = steps
    .filter((s) => s.type !== 'check' && isFailedStep(s) && !inner.has(s.index) && !triggers.has(s.index))
    .map(stepNode);
  const unrecovered = episodes
    .filter((e) => e.degraded || e.unresolved || propagatedOut(trace, e))
    .flatMap((e) => episodeNodes.get(e.episode) ?? []);
  const chain = [...unhandled, ...unrecovered].sort((a, b) => a.order - b.order);

  const failure = trace.failure;
  if (failure) {
    const agent: Node = {
      failure_id: newId(),
      ref: trace.otel.span_id,
      type: failureTypeOf(failure),
      timestamp: failure.occurred_at,
      message: failure.message,
      component: `agent:${trace.subject_id}`,
      order: Number.MAX_SAFE_INTEGER - 1,
    };
    chain.push(agent);
    const check = steps.find((s) => s.type === 'check' && !s.passed);
    if (
      check &&
      (failure.kind === 'hallucination_flag' ||
        (failure.kind === 'validation_error' && failure.validation.source === 'output_schema'))
    ) {
      agent.timestamp = check.started_at;
      chain.push({ ...stepNode(check), order: Number.MAX_SAFE_INTEGER });
    }
    chain.at(-1)!.failure_id = failure.failure_id;
  }

  const failureTraces: FailureTrace[] = [];
  if (chain.length > 0) failureTraces.push(failureTrace(trace, chain, newId()));
  for (const episode of episodes) {
    const node = episodeNodes.get(episode.episode);
    if (node && !chain.includes(node)) failureTraces.push(failureTrace(trace, [node], newId()));
  }
  failureTraces.sort((a, b) =>
    a.primary_timestamp < b.primary_timestamp ? -1 : a.primary_timestamp > b.primary_timestamp ? 1 : 0,
  );

  const recoveryTraces: RecoveryTrace[] = [];
  const fallbackRecords: FallbackRecord[] = [];
  for (const episode of episodes) {
    const node = episodeNodes.get(episode.episode);
    const triggerType: RecoveryTrace['trigger_type'] = !node
      ? 'policy'
      : node.type === 'timeout'
        ? 'timeout'
        : 'failure';
    const triggerRef = node?.failure_id ?? stepRef(trace, episode.actions[0]!);
    const actions: RecoveryAction[] = episode.actions.map((step, i) => {
      const metadata: Record<string, unknown> = {
        ...step.metadata,
        step_index: step.index,
        span_id: step.span_id,
        inner_steps: step.inner_steps,
      };
      if (step.outcome === null) metadata.unfinished = true;
      if (step.fallback) {
        const fallbackId = newId();
        metadata.fallback_id = fallbackId;
        metadata.fallback_path_ref = step.fallback.id;
        fallbackRecords.push({
          schema_version: 1,
          record_type: 'fallback',
          fallback_id: fallbackId,
          trace_id: trace.trace_id,
          timestamp: step.started_at,
          trigger_type: triggerType,
          trigger_ref: triggerRef,
          primary_path_ref: step.target,
          fallback_path_id: step.fallback.id,
          fallback_path_name: step.fallback.name,
          fallback_type: step.fallback.type,
          outcome_ref: stepRef(trace, step),
          outcome_status: step.outcome ?? 'failure',
          confidence_impact: step.fallback.confidence_impact,
        });
      }
      return {
        action_id: newId(),
        sequence: i + 1,
        timestamp: step.started_at,
        action_type: step.action,
        target_ref: step.target,
        outcome: step.outcome ?? 'failure',
        duration_ms: step.duration_ms,
        metadata,
      };
    });
    recoveryTraces.push({
      schema_version: 1,
      trace_id: newId(),
      trace_type: 'recovery',
      started_at: episode.actions[0]!.started_at,
      ended_at: episode.actions.at(-1)!.ended_at,
      trigger_type: triggerType,
      trigger_ref: triggerRef,
      original_trace_id: trace.trace_id,
      actions,
      final_outcome: finalOutcome(trace, episode, node !== undefined && chain.includes(node)),
      stabilization_ref: null,
    });
  }
  return { failure_traces: failureTraces, recovery_traces: recoveryTraces, fallback_records: fallbackRecords };
}

/**
 * Where an episode left the run: recovered when its last action succeeded at full confidence;
 * degraded when the run returned an answer of lower confidence that passed every check (the run
 * keeps the kind of the failure, see settleReturned); failed when its last action failed, or
 * when the run still failed after it (a fallback answer that is itself wrong, a rethrow).
 */
function finalOutcome(trace: TraceRecord, episode: Episode, inChain: boolean): RecoveryTrace['final_outcome'] {
  if (propagatedOut(trace, episode) || episode.unresolved) return 'failed';
  if (!episode.degraded) return 'recovered';
  const failure = trace.failure;
  // A run that returned and still failed, though no check caught its answer: its failure is the
  // one carried from a degraded episode (settleReturned).
  const checked =
    failure?.kind === 'hallucination_flag' ||
    (failure?.kind === 'validation_error' && failure.validation.source === 'output_schema');
  const carried = failure !== null && trace.output !== null && !checked;
  if (!failure || (carried && inChain)) return 'degraded';
  return 'failed';
}

/**
 * True when the run threw the very error that started the episode (or one caused by it): the
 * actions succeeded, e.g. a compensation rolled a partial write back, but the request still failed.
 */
function propagatedOut(trace: TraceRecord, episode: Episode): boolean {
  const failure = trace.failure;
  if (!failure || trace.output !== null || episode.trigger.message === null) return false;
  if (failure.kind !== 'exception' && failure.kind !== 'timeout') return false;
  const error = failure.error;
  return (
    error !== null && (error.message === episode.trigger.message || error.cause?.message === episode.trigger.message)
  );
}

function failureTrace(trace: TraceRecord, chain: Node[], traceId: string): FailureTrace {
  const primary = chain[0]!;
  // No link is earlier than its parent (rule 3), even when clocks of two threads disagree by a hair.
  let last = primary.timestamp;
  const cascade: CascadeEntry[] = chain.map((node, hop) => {
    last = node.timestamp > last ? node.timestamp : last;
    return {
      failure_id: node.failure_id,
      parent_failure_id: hop === 0 ? null : chain[hop - 1]!.failure_id,
      ref: node.ref,
      failure_type: hop === 0 ? node.type : 'propagated',
      timestamp: last,
      message: node.message,
      propagation_hop: hop,
    };
  });
  return {
    schema_version: 1,
    trace_id: traceId,
    trace_type: 'failure',
    started_at: primary.timestamp,
    ended_at: cascade.at(-1)!.timestamp,
    primary_failure_id: primary.failure_id,
    primary_ref: primary.ref,
    primary_type: primary.type,
    primary_message: primary.message,
    primary_timestamp: primary.timestamp,
    cascade,
    original_trace_id: trace.trace_id,
    domain: trace.subject_id,
    component: primary.component,
  };
}

/** A step's span id, or for a step without a span (a check) a reference into its run. */
export function stepRef(trace: Pick<TraceRecord, 'trace_id'>, step: TraceStep): string {
  return step.span_id ?? `${trace.trace_id}#step-${step.index}`;
}

function componentOf(trace: TraceRecord, step: TraceStep): string {
  switch (step.type) {
    case 'model_call':
      return `model:${step.model ?? trace.model.name}`;
    case 'tool_call':
      return `tool:${step.tool}`;
    case 'check':
      return `check:${step.check}`;
    case 'recovery':
      return step.target;
    case 'turn':
      return `turn:${step.turn}`;
  }
}

/** How many levels the run's failure went through: 1 + the largest hop of its failure traces (0 without one). */
export function cascadeDepth(records: RunRecords): number {
  return records.failure_traces.reduce((max, t) => Math.max(max, ...t.cascade.map((e) => e.propagation_hop + 1)), 0);
}

/** The worst final outcome among a run's recovery traces (failed, then degraded, then recovered), or null without one. */
export function recoveryOutcome(records: RunRecords): RecoveryTrace['final_outcome'] | null {
  const outcomes = new Set(records.recovery_traces.map((t) => t.final_outcome));
  return outcomes.has('failed')
    ? 'failed'
    : outcomes.has('degraded')
      ? 'degraded'
      : outcomes.has('recovered')
        ? 'recovered'
        : null;
}
