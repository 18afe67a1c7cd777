import { randomUUID } from 'node:crypto';
import type { FailureKind } from '../../src/contracts/failure-kind.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';

const preview = (text: string) => ({
  type: 'string' as const,
  text,
  bytes: text.length,
  truncated: false,
  sha256: null,
});
const otel = { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) };

/** A valid TraceRecord with the given classification, for store tests. */
export function makeRecord({
  kind = null,
  subject = 'subj',
  scenario = 'scen',
  startedAt = '2026-01-01T00:00:00.000Z',
  buildId = null,
}: {
  kind?: FailureKind | null;
  subject?: string;
  scenario?: string;
  startedAt?: string;
  buildId?: string | null;
} = {}): TraceRecord {
  const traceId = randomUUID();
  const failureId = kind ? randomUUID() : null;
  const location = { step_index: null, span_id: otel.span_id, agent: subject, turn: null };
  const taxonomy = { version: 'lab-taxonomy/1', trail: null, mast: null };
  const base = {
    schema_version: 3 as const,
    failure_id: failureId!,
    trace_id: traceId,
    subject_id: subject,
    scenario_id: scenario,
    occurred_at: startedAt,
    message: `${kind}: test`,
    step_index: null,
    location,
    taxonomy,
    otel,
  };
  const failure =
    kind === null
      ? null
      : kind === 'timeout'
        ? { ...base, kind, timeout: { source: 'deadline' as const, deadline_ms: 100, elapsed_ms: 100 }, error: null }
        : kind === 'exception'
          ? {
              ...base,
              kind,
              error: {
                class: 'Error',
                name: 'Error',
                message: 'boom',
                stack: null,
                thrown: 'error' as const,
                code: null,
                status: null,
                cause: null,
              },
            }
          : kind === 'validation_error'
            ? {
                ...base,
                kind,
                validation: {
                  source: 'output_schema' as const,
                  issues: [{ path: 'x', code: 'invalid_type', message: 'bad' }],
                },
                error: null,
              }
            : {
                ...base,
                kind,
                grounding: {
                  flags: [
                    { check: 'ground_truth' as const, path: 'x', claim: '1', reason: 'r', known: null, expected: '2' },
                  ],
                },
              };
  return TraceRecord.parse({
    schema_version: 4,
    trace_id: traceId,
    build_id: buildId,
    attempt_id: buildId === null ? null : 'attempt-1',
    subject_id: subject,
    scenario_id: scenario,
    expected: kind,
    detected: kind,
    failure_id: failureId,
    failure,
    run: { mode: 'scripted', isolation: 'inline', deadline_ms: 100, repeat_index: 0 },
    model: { name: 'lab-model' },
    started_at: startedAt,
    ended_at: startedAt,
    duration_ms: 1.5,
    input: preview('in'),
    output: kind ? null : preview('out'),
    steps: [
      {
        index: 0,
        type: 'check',
        name: 'check output_schema',
        started_at: startedAt,
        ended_at: startedAt,
        duration_ms: 0,
        status: 'ok',
        error: null,
        span_id: null,
        agent: null,
        turn: null,
        check: 'output_schema',
        passed: true,
        detail: null,
      },
    ],
    injected_faults: [],
    otel,
    replay: null,
  });
}

/** What a version 1 lab wrote for the same run: no build_id, replay, injected_faults, step agent or mcp, location or taxonomy. */
export function asVersion1(record: TraceRecord): Record<string, unknown> {
  const { build_id: _b, attempt_id: _t, replay: _r, injected_faults: _i, ...rest } = record;
  const failure = record.failure
    ? (({ location: _l, taxonomy: _t, ...f }) => ({ ...f, schema_version: 1 }))(record.failure)
    : null;
  return {
    ...rest,
    schema_version: 1,
    failure,
    steps: record.steps.map(({ agent: _a, turn: _n, ...step }) => withoutMcp(step)),
  };
}

/** What a version 3 lab wrote for the same run (a run outside a conversation, with no MCP server): no turn on steps or on the failure location, no mcp on tool calls, no injected_faults. */
export function asVersion3(record: TraceRecord): Record<string, unknown> {
  const failure = record.failure
    ? (({ location: { turn: _n, ...location }, ...f }) => ({ ...f, schema_version: 2, location }))(record.failure)
    : null;
  const { injected_faults: _i, ...rest } = record;
  return {
    ...rest,
    schema_version: 3,
    failure,
    steps: record.steps.map(({ turn: _n, ...step }) => withoutMcp(step)),
  };
}

/** A step without the `mcp` field version 4 gave tool calls. */
function withoutMcp<S extends { type: string }>(step: S): Omit<S, 'mcp'> {
  if (step.type !== 'tool_call') return step;
  const { mcp: _m, ...older } = step as S & { mcp?: unknown };
  return older;
}
