import { FailureTrace } from './failure-trace.ts';
import { FallbackRecord } from './fallback-record.ts';
import { RecoveryTrace } from './recovery-trace.ts';
import { recordKey, TraceRecord } from './trace-record.ts';

/** Everything a TraceStore keeps: runs, and the failure, recovery and fallback records derived from them. */
export type LabRecord = TraceRecord | FailureTrace | RecoveryTrace | FallbackRecord;

/** How stores tell the records apart (the Cosmos envelope's record_type). */
export const RECORD_TYPES = ['trace_record', 'failure_trace', 'recovery_trace', 'fallback'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** The record type of each contract. */
export type RecordOf<T extends RecordType> = { trace_record: TraceRecord; failure_trace: FailureTrace; recovery_trace: RecoveryTrace; fallback: FallbackRecord }[T];

/** A record's type: a failure or recovery trace by trace_type, a fallback record by record_type, else a run. */
export function recordTypeOf(record: LabRecord): RecordType {
  if ('trace_type' in record) return record.trace_type === 'failure' ? 'failure_trace' : 'recovery_trace';
  if ('record_type' in record) return 'fallback';
  return 'trace_record';
}

/** The contract a stored document claims to follow, by the same fields (a run when it claims none). */
export function contractFor(value: unknown): { type: RecordType; schema: typeof TraceRecord | typeof FailureTrace | typeof RecoveryTrace | typeof FallbackRecord } {
  const doc = (value ?? {}) as { trace_type?: unknown; record_type?: unknown };
  if (doc.trace_type === 'failure') return { type: 'failure_trace', schema: FailureTrace };
  if (doc.trace_type === 'recovery') return { type: 'recovery_trace', schema: RecoveryTrace };
  if (doc.record_type === 'fallback') return { type: 'fallback', schema: FallbackRecord };
  return { type: 'trace_record', schema: TraceRecord };
}

/** The key a record is stored under: a run's failure_id (or trace_id), a trace's trace_id, a fallback's fallback_id. */
export function storeKey(record: LabRecord): string {
  if ('trace_type' in record) return record.trace_id;
  if ('record_type' in record) return record.fallback_id;
  return recordKey(record);
}

/** What a store indexes a record by. subject, scenario and kind are a run's alone. */
export interface RecordMeta {
  key: string;
  record_type: RecordType;
  started_at: string;
  /** The failure ids the record names: a run's failure_id, every failure of a failure trace's cascade, the trigger of a recovery trace or fallback. */
  failure_ids: string[];
  kind: string | null;
  subject_id: string | null;
  scenario_id: string | null;
}

export function recordMeta(record: LabRecord): RecordMeta {
  const key = storeKey(record);
  if ('trace_type' in record) {
    const failure_ids = record.trace_type === 'failure' ? record.cascade.map((e) => e.failure_id) : [record.trigger_ref];
    return { key, record_type: recordTypeOf(record), started_at: record.started_at, failure_ids, kind: null, subject_id: null, scenario_id: null };
  }
  if ('record_type' in record) return { key, record_type: 'fallback', started_at: record.timestamp, failure_ids: [record.trigger_ref], kind: null, subject_id: null, scenario_id: null };
  return { key, record_type: 'trace_record', started_at: record.started_at, failure_ids: record.failure_id ? [record.failure_id] : [], kind: record.detected ?? 'pass', subject_id: record.subject_id, scenario_id: record.scenario_id };
}
