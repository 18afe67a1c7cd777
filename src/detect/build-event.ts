import type { OtelRef } from '../contracts/common.ts';
import type { FailureEvent } from '../contracts/failure-event.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { Detection } from './settle.ts';

/** The FailureEvent of a classified run; its message is deterministic (no timings in it). */
export function buildEvent({
  detection,
  failureId,
  traceId,
  subjectId,
  scenarioId,
  otel,
  deadlineMs,
  elapsedMs,
  occurredAt,
  steps,
}: {
  detection: Detection;
  failureId: string;
  traceId: string;
  subjectId: string;
  scenarioId: string;
  otel: OtelRef;
  deadlineMs: number;
  elapsedMs: number;
  occurredAt: string;
  steps: readonly TraceStep[];
}): FailureEvent {
  const event = eventOf(detection, { failureId, traceId, subjectId, scenarioId, otel, deadlineMs, elapsedMs, occurredAt, steps });
  if (detection.note) event.message = `${event.message} (${detection.note})`;
  return event;
}

function eventOf(
  detection: Detection,
  { failureId, traceId, subjectId, scenarioId, otel, deadlineMs, elapsedMs, occurredAt, steps }: { failureId: string; traceId: string; subjectId: string; scenarioId: string; otel: OtelRef; deadlineMs: number; elapsedMs: number; occurredAt: string; steps: readonly TraceStep[] },
): FailureEvent {
  const failedStep = [...steps].reverse().find((s) => s.status !== 'ok' && s.type !== 'recovery');
  const base = { schema_version: 1 as const, failure_id: failureId, trace_id: traceId, subject_id: subjectId, scenario_id: scenarioId, occurred_at: occurredAt, step_index: failedStep?.index ?? null, otel };
  switch (detection.kind) {
    case 'timeout': {
      const what = {
        deadline: `the run was cut off at its ${deadlineMs} ms deadline`,
        overrun: `the run ended after its ${deadlineMs} ms deadline (synchronous work cannot be cut off inline)`,
        request_timeout: 'a model request timed out in the openai client',
      }[detection.source];
      return { ...base, kind: 'timeout', message: `timeout: ${what}`, timeout: { source: detection.source, deadline_ms: deadlineMs, elapsed_ms: elapsedMs }, error: detection.error };
    }
    case 'exception':
      return { ...base, kind: 'exception', message: `exception: ${detection.error.class}: ${firstLine(detection.error.message)}`, error: detection.error };
    case 'validation_error': {
      const first = detection.issues[0]!;
      const where = detection.source === 'output_schema' ? 'the output' : "the model's structured output";
      const more = detection.issues.length > 1 ? ` (+${detection.issues.length - 1} more)` : '';
      return { ...base, kind: 'validation_error', message: `validation_error: ${where} breaks its schema at ${first.path || '(root)'}: ${first.message}${more}`, validation: { source: detection.source, issues: detection.issues }, error: detection.error };
    }
    case 'hallucination_flag': {
      const first = detection.flags[0]!;
      const more = detection.flags.length > 1 ? ` (+${detection.flags.length - 1} more)` : '';
      return { ...base, kind: 'hallucination_flag', message: `hallucination_flag: ${first.check}: ${first.reason}${more}`, grounding: { flags: detection.flags } };
    }
  }
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
