import type { FailureSignals } from './failure-signals.ts';

/** One row of the prevention table: a measure the lab suggests for failures of a kind. */
export interface PreventionRule {
  id: string;
  when: string;
  suggestion: string;
  applies: (s: FailureSignals) => boolean;
}

/**
 * The prevention table: every rule that applies adds its suggestion, in this order, to the
 * record's prevention_measures as "suggested: ...". They are suggestions: a person adopts, edits
 * or drops them.
 */
export const PREVENTION_RULES: readonly PreventionRule[] = [
  {
    id: 'mismatch',
    when: 'a run whose label differs from its scenario',
    suggestion:
      'reproduce the run (failures reproduce) and fix the detector or the scenario until the label holds; add the case as a near-miss control',
    applies: (s) => s.capture === 'mismatch',
  },
  {
    id: 'storage',
    when: 'a record not stored or not read back',
    suggestion:
      'check the store (reachability, quotas, the contract) and rerun the capture; records never silently drop, so every lost key is listed',
    applies: (s) => s.capture === 'not_stored' || s.capture === 'not_retrieved',
  },
  {
    id: 'scenario-fault',
    when: 'a fault of the scenario',
    suggestion: 'fix the scenario file as the error says, and run npm run lab -- scenarios before capture',
    applies: (s) => s.capture === 'lab_error',
  },
  {
    id: 'timeout',
    when: 'a timeout',
    suggestion:
      'give every call a deadline with a real abort: pass the run signal (or AbortSignal.timeout) to every model call, tool and wait',
    applies: (s) => s.kind === 'timeout' && s.timeout_source !== 'overrun',
  },
  {
    id: 'overrun',
    when: 'synchronous work held the thread',
    suggestion: 'move CPU-bound work off the event loop (a worker thread) or break it up so the deadline can cut it',
    applies: (s) => s.kind === 'timeout' && s.timeout_source === 'overrun',
  },
  {
    id: 'rate-limit',
    when: 'HTTP 429',
    suggestion:
      'retry with exponential backoff that honours retry-after (client max_retries, or ctx.recovery.retry with retryIf), and bound the attempts',
    applies: (s) => s.kind === 'exception' && s.http_status === 429,
  },
  {
    id: 'unavailable',
    when: 'HTTP 5xx or a broken connection',
    suggestion:
      'retry transient failures with backoff, and add a fallback (a cache, an alternate service) behind a circuit breaker',
    applies: (s) =>
      s.kind === 'exception' &&
      ((s.http_status !== null && s.http_status >= 500) ||
        s.failure_type === 'resource' ||
        /Connection|terminated|Malformed/.test(`${s.error_class} ${s.message}`)),
  },
  {
    id: 'credentials',
    when: 'HTTP 401 or 403',
    suggestion: 'check the credentials at start-up and fail fast with a clear message, before the first call',
    applies: (s) => s.kind === 'exception' && (s.http_status === 401 || s.http_status === 403),
  },
  {
    id: 'turn-limit',
    when: 'a turn or step limit reached',
    suggestion:
      'give the loop a termination condition the model can meet (a final-answer tool, a stop rule) and detect repeated identical calls',
    applies: (s) =>
      s.kind === 'exception' &&
      /turn|step/i.test(`${s.error_class} ${s.message}`) &&
      /limit|exceeded|did not finish/i.test(`${s.error_class} ${s.message}`),
  },
  {
    id: 'unknown-tool',
    when: 'a tool the subject never declared',
    suggestion:
      'reject undeclared tool calls before dispatch and report them to the model; add a declared_tools_only check',
    applies: (s) =>
      (s.kind === 'exception' && /UnknownTool|NoSuchTool/.test(s.error_class ?? '')) ||
      s.grounding.some((g) => g.check === 'declared_tools_only'),
  },
  {
    id: 'tool-error',
    when: 'a tool that threw',
    suggestion:
      'handle tool errors where they happen: report them to the model, retry or fall back, instead of failing the run',
    applies: (s) => s.kind === 'exception' && s.component.startsWith('tool:'),
  },
  {
    id: 'schema',
    when: "the model's structured output or the output broke its schema",
    suggestion:
      'use structured outputs (a response format) and a repair retry that sends the validation error back to the model',
    applies: (s) =>
      s.kind === 'validation_error' &&
      (s.validation_source === 'model_output_schema' || s.validation_source === 'output_schema'),
  },
  {
    id: 'tool-schema',
    when: 'a schema inside a tool, or of the subject, rejected a value',
    suggestion: 'validate tool arguments and results at the boundary and return the validation error to the model',
    applies: (s) =>
      s.kind === 'validation_error' &&
      (s.validation_source === 'tool_schema' || s.validation_source === 'subject_schema'),
  },
  {
    id: 'grounding',
    when: 'an unsupported claim',
    suggestion:
      'add a grounding check to the harness (cited ids, numbers and quotes against the sources) and refuse or repair answers that fail it',
    applies: (s) => s.kind === 'hallucination_flag' && s.grounding.some((g) => g.check !== 'declared_tools_only'),
  },
  {
    id: 'own-error',
    when: "an error of the subject's own code",
    suggestion:
      'handle the error where it is thrown (validate what the model returns before using it, report tool errors to the model) and keep the scenario as a regression test',
    applies: (s) =>
      s.kind === 'exception' &&
      s.http_status === null &&
      s.component.startsWith('agent:') &&
      !/Connection|terminated|Malformed|Guardrail|MaxTurns|UnknownTool|NoSuchTool/.test(
        `${s.error_class} ${s.message}`,
      ) &&
      s.error_code !== 'ERR_WORKER_OUT_OF_MEMORY',
  },
  {
    id: 'memory',
    when: 'out of memory',
    suggestion:
      'bound what the agent holds (stream large outputs, cap accumulations) and run it with a heap limit in isolation',
    applies: (s) => s.error_code === 'ERR_WORKER_OUT_OF_MEMORY',
  },
];

/** The suggestions for a failure, each prefixed "suggested: ". */
export function suggestedPrevention(signals: FailureSignals): string[] {
  return PREVENTION_RULES.filter((r) => r.applies(signals)).map((r) => `suggested: ${r.suggestion}`);
}
