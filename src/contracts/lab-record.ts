import type { z } from 'zod';
import { FailureTrace } from './failure-trace.ts';
import { FallbackRecord } from './fallback-record.ts';
import { RecoveryTrace } from './recovery-trace.ts';
import { ShardManifest } from './shard-manifest.ts';
import { recordKey, TraceRecord } from './trace-record.ts';

/** Everything a TraceStore keeps: runs, the failure, recovery and fallback records derived from them, and the manifests of capture shards. */
export type LabRecord = TraceRecord | FailureTrace | RecoveryTrace | FallbackRecord | ShardManifest;

/** How stores tell the records apart (the Cosmos envelope's record_type, the files index's). */
export const RECORD_TYPES = ['trace_record', 'failure_trace', 'recovery_trace', 'fallback', 'shard_manifest'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** The record type of each contract. */
export type RecordOf<T extends RecordType> = {
  trace_record: TraceRecord;
  failure_trace: FailureTrace;
  recovery_trace: RecoveryTrace;
  fallback: FallbackRecord;
  shard_manifest: ShardManifest;
}[T];

/** Each record type's contract, its name in messages and schemas/, and the key it is stored under. */
export const RECORD_CONTRACTS: {
  [T in RecordType]: { name: string; schema: z.ZodType<RecordOf<T>>; key: (record: RecordOf<T>) => string };
} = {
  trace_record: { name: 'TraceRecord', schema: TraceRecord, key: recordKey },
  failure_trace: { name: 'FailureTrace', schema: FailureTrace, key: (r) => r.trace_id },
  recovery_trace: { name: 'RecoveryTrace', schema: RecoveryTrace, key: (r) => r.trace_id },
  fallback: { name: 'FallbackRecord', schema: FallbackRecord, key: (r) => r.fallback_id },
  shard_manifest: { name: 'ShardManifest', schema: ShardManifest, key: (r) => r.manifest_id },
};

/**
 * The one function that tells the record types apart, by their tag: a failure or recovery trace
 * by trace_type, a fallback record or a shard manifest by record_type; a run carries neither. It reads a stored
 * document as well as a typed record, so every store and the export use it alike.
 */
export function recordTypeOf(value: unknown): RecordType {
  const doc = (typeof value === 'object' && value !== null ? value : {}) as {
    trace_type?: unknown;
    record_type?: unknown;
  };
  if (doc.trace_type === 'failure') return 'failure_trace';
  if (doc.trace_type === 'recovery') return 'recovery_trace';
  if (doc.record_type === 'fallback') return 'fallback';
  if (doc.record_type === 'shard_manifest') return 'shard_manifest';
  return 'trace_record';
}

/** The key a record is stored under: a run's failure_id (or trace_id), a trace's trace_id, a fallback's fallback_id. */
export function storeKey(record: LabRecord): string {
  const type = recordTypeOf(record);
  return (RECORD_CONTRACTS[type].key as (r: LabRecord) => string)(record);
}

/** What a store indexes a record by. kind, subject and scenario are a run's alone; build a run's or a shard manifest's. */
export interface RecordMeta {
  key: string;
  record_type: RecordType;
  started_at: string;
  /** The failure ids the record names: a run's failure_id, every failure of a failure trace's cascade, the trigger of a recovery trace or fallback. */
  failure_ids: string[];
  kind: string | null;
  subject_id: string | null;
  scenario_id: string | null;
  build_id: string | null;
}

/** A record's index fields. */
export function recordMeta(record: LabRecord): RecordMeta {
  const key = storeKey(record);
  const none = { kind: null, subject_id: null, scenario_id: null, build_id: null };
  switch (recordTypeOf(record)) {
    case 'failure_trace': {
      const trace = record as FailureTrace;
      return {
        key,
        record_type: 'failure_trace',
        started_at: trace.started_at,
        failure_ids: trace.cascade.map((e) => e.failure_id),
        ...none,
      };
    }
    case 'recovery_trace': {
      const trace = record as RecoveryTrace;
      return {
        key,
        record_type: 'recovery_trace',
        started_at: trace.started_at,
        failure_ids: [trace.trigger_ref],
        ...none,
      };
    }
    case 'fallback': {
      const fallback = record as FallbackRecord;
      return {
        key,
        record_type: 'fallback',
        started_at: fallback.timestamp,
        failure_ids: [fallback.trigger_ref],
        ...none,
      };
    }
    case 'shard_manifest': {
      const manifest = record as ShardManifest;
      return {
        key,
        record_type: 'shard_manifest',
        started_at: manifest.started_at,
        failure_ids: [],
        ...none,
        build_id: manifest.build_id,
      };
    }
    case 'trace_record': {
      const run = record as TraceRecord;
      return {
        key,
        record_type: 'trace_record',
        started_at: run.started_at,
        failure_ids: run.failure_id ? [run.failure_id] : [],
        kind: run.detected ?? 'pass',
        subject_id: run.subject_id,
        scenario_id: run.scenario_id,
        build_id: run.build_id,
      };
    }
  }
}
