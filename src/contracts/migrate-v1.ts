import type { Detection } from '../classify/detection.ts';
import { locate } from '../classify/location.ts';
import { taxonomyOf } from '../classify/taxonomy.ts';
import type { FailureEvent } from './failure-event.ts';
import type { TraceRecord } from './trace-record.ts';
import type { TraceStep } from './trace-step.ts';
import type { FailureEventV1 } from './v1/failure-event.ts';
import type { TraceRecordV1 } from './v1/trace-record.ts';

/**
 * Upgrades a TraceRecord of schema_version 1 to the current version (the migration in the
 * README's "The contracts"): steps gain `agent` (null: version 1 knew single agents only), the
 * FailureEvent gains `location` and `taxonomy` (derived from the record by today's rules), and
 * the record gains `build_id`, `attempt_id` and `replay` (all null: version 1 kept none) and
 * `injected_faults` ([]). Nothing
 * else changes.
 */
export function upgradeTraceRecordV1(record: TraceRecordV1): TraceRecord {
  const steps = record.steps.map((step) => ({ ...step, agent: null })) as TraceStep[];
  return {
    schema_version: 4,
    trace_id: record.trace_id,
    build_id: null,
    attempt_id: null,
    subject_id: record.subject_id,
    scenario_id: record.scenario_id,
    expected: record.expected,
    detected: record.detected,
    failure_id: record.failure_id,
    failure: record.failure ? upgradeEvent(record.failure, steps) : null,
    run: record.run,
    model: record.model,
    started_at: record.started_at,
    ended_at: record.ended_at,
    duration_ms: record.duration_ms,
    input: record.input,
    output: record.output,
    steps,
    injected_faults: [],
    otel: record.otel,
    replay: null,
  };
}

function upgradeEvent(event: FailureEventV1, steps: readonly TraceStep[]): FailureEvent {
  const detection = detectionOf(event);
  const taxonomy = taxonomyOf(detection, steps);
  const location = locate(detection, steps, {
    runSpanId: event.otel.span_id,
    subjectId: event.subject_id,
    markLast: taxonomy.markLast,
  });
  return { ...event, schema_version: 2, location, taxonomy: taxonomy.refs } as FailureEvent;
}

function detectionOf(event: FailureEventV1): Detection {
  switch (event.kind) {
    case 'timeout':
      return { kind: 'timeout', source: event.timeout.source, error: event.error };
    case 'exception':
      return { kind: 'exception', error: event.error };
    case 'validation_error':
      return {
        kind: 'validation_error',
        source: event.validation.source,
        issues: event.validation.issues,
        error: event.error,
      };
    case 'hallucination_flag':
      return { kind: 'hallucination_flag', flags: event.grounding.flags };
  }
}
