import type { ErrorInfo, OtelRef } from '../contracts/common.ts';
import { FAILURE_EVENT_VERSION, type FailureEvent } from '../contracts/failure-event.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { Detection } from '../classify/detection.ts';
import { locate } from '../classify/location.ts';
import { taxonomyOf } from '../classify/taxonomy.ts';

/** What a FailureEvent needs besides its classification. */
export interface EventContext {
  failureId: string;
  traceId: string;
  subjectId: string;
  scenarioId: string;
  otel: OtelRef;
  deadlineMs: number;
  elapsedMs: number;
  occurredAt: string;
  steps: readonly TraceStep[];
}

/** The FailureEvent of a classified run, with its location and taxonomy labels; its message is deterministic (no timings in it). */
export function buildEvent(detection: Detection, context: EventContext): FailureEvent {
  const { failureId, traceId, subjectId, scenarioId, otel, deadlineMs, elapsedMs, occurredAt, steps } = context;
  const failedStep = steps.findLast((s) => s.status !== 'ok' && s.type !== 'recovery');
  const taxonomy = taxonomyOf(detection, steps);
  const base = {
    schema_version: FAILURE_EVENT_VERSION as typeof FAILURE_EVENT_VERSION,
    failure_id: failureId,
    trace_id: traceId,
    subject_id: subjectId,
    scenario_id: scenarioId,
    occurred_at: occurredAt,
    step_index: failedStep?.index ?? null,
    location: locate(detection, steps, { runSpanId: otel.span_id, subjectId, markLast: taxonomy.markLast }),
    taxonomy: taxonomy.refs,
    otel,
  };
  const note = detection.note ? ` (${detection.note})` : '';
  switch (detection.kind) {
    case 'timeout': {
      const what = {
        deadline: `the run was cut off at its ${deadlineMs} ms deadline`,
        overrun: `synchronous work held the thread past the ${deadlineMs} ms deadline, so the run could only be stopped after it (inline runs cannot interrupt synchronous work)`,
        request_timeout: `a request of the run timed out${detection.error ? ` (${detection.error.class}: ${firstLine(detection.error.message)})` : ''}`,
      }[detection.source];
      return {
        ...base,
        kind: 'timeout',
        message: `timeout: ${what}${note}`,
        timeout: { source: detection.source, deadline_ms: deadlineMs, elapsed_ms: elapsedMs },
        error: detection.error,
      };
    }
    case 'exception':
      return {
        ...base,
        kind: 'exception',
        message: `exception: ${exceptionText(detection.error)}${note}`,
        error: detection.error,
      };
    case 'validation_error': {
      const first = detection.issues[0]!;
      const where =
        detection.where ?? (detection.source === 'output_schema' ? 'the output' : "the model's structured output");
      const more = detection.issues.length > 1 ? ` (+${detection.issues.length - 1} more)` : '';
      return {
        ...base,
        kind: 'validation_error',
        message: `validation_error: ${where} breaks its schema at ${first.path || '(root)'}: ${first.message}${more}${note}`,
        validation: { source: detection.source, issues: detection.issues },
        error: detection.error,
      };
    }
    case 'hallucination_flag': {
      const first = detection.flags[0]!;
      const more = detection.flags.length > 1 ? ` (+${detection.flags.length - 1} more)` : '';
      return {
        ...base,
        kind: 'hallucination_flag',
        message: `hallucination_flag: ${first.check}: ${first.reason}${more}${note}`,
        grounding: { flags: detection.flags },
      };
    }
  }
}

/**
 * What an exception's message says of the thrown value: its class and first line, then its cause
 * when the message does not already say it (an SDK that wraps a cut stream says only "Failed to
 * process successful response"; the cause, "TypeError: terminated", is what happened). A throw of
 * undefined or null has neither class nor message, so the message says what was thrown.
 */
function exceptionText(error: ErrorInfo): string {
  if (error.thrown === 'undefined' || error.thrown === 'null')
    return `the run threw ${error.thrown} instead of an Error, so there is no message or stack (a \`throw ${error.thrown}\`, or a promise rejected with ${error.thrown === 'undefined' ? 'no reason' : 'null'})`;
  const text = `${error.class}: ${firstLine(error.message)}`;
  const cause = error.cause ? firstLine(error.cause.message) : '';
  return cause && !error.message.includes(cause) ? `${text} (cause: ${error.cause!.class}: ${cause})` : text;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
