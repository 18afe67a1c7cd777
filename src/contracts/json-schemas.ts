import { z } from 'zod';
import { BlindTrace } from './blind-trace.ts';
import { DatasetLabel, DatasetPrediction } from './dataset-label.ts';
import { DatasetManifest } from './dataset-manifest.ts';
import { FailureByCategory, FailureTrends, MttrMetrics, RepeatFailures } from './failure-analytics.ts';
import { FailureEvent } from './failure-event.ts';
import { FailureRecord } from './failure-record.ts';
import { FailureTrace } from './failure-trace.ts';
import { FallbackRecord } from './fallback-record.ts';
import { RecoveryTrace } from './recovery-trace.ts';
import { Scenario } from './scenario.ts';
import { ShardManifest } from './shard-manifest.ts';
import { TraceRecord } from './trace-record.ts';
import { DatasetLabelV1 } from './v1/dataset-label.ts';
import { FailureEventV1 } from './v1/failure-event.ts';
import { TraceRecordV1 } from './v1/trace-record.ts';
import { TraceRecordV2 } from './v2/trace-record.ts';
import { FailureEventV2, TraceRecordV3 } from './v3/trace-record.ts';

/** The contracts published as JSON Schema, by file stem in schemas/. */
export const JSON_SCHEMAS = {
  'trace-record': TraceRecord,
  'failure-event': FailureEvent,
  scenario: Scenario,
  'failure-trace': FailureTrace,
  'recovery-trace': RecoveryTrace,
  'fallback-record': FallbackRecord,
  'failure-record': FailureRecord,
  // What each shard of a sharded capture ran (capture --shard), read by merge.
  'shard-manifest': ShardManifest,
  // The failure ledger's analytics files (failures/analytics/*.json).
  'failure-trends': FailureTrends,
  'failure-by-category': FailureByCategory,
  'repeat-failures': RepeatFailures,
  'mttr-metrics': MttrMetrics,
  // lab dataset: blind traces, their labels, an analyzer's predictions, the manifest (docs/analyzers.md).
  'blind-trace': BlindTrace,
  'dataset-label': DatasetLabel,
  'dataset-prediction': DatasetPrediction,
  'dataset-manifest': DatasetManifest,
  // Versions 1, 2 and 3, still read (and upgraded) by every store: analyzers of older data validate against these.
  'trace-record.v1': TraceRecordV1,
  'trace-record.v2': TraceRecordV2,
  'trace-record.v3': TraceRecordV3,
  'failure-event.v1': FailureEventV1,
  'failure-event.v2': FailureEventV2,
  // Labels files written before version 2 (no schema_version, no injected_faults), still read by `lab score`.
  'dataset-label.v1': DatasetLabelV1,
} as const;

/** The JSON Schema (draft 2020-12) of a contract, as committed in schemas/<name>.schema.json. */
export function jsonSchemaOf(name: keyof typeof JSON_SCHEMAS): Record<string, unknown> {
  // Scenario files are read before defaults apply, so their schema describes the input side.
  const io = name === 'scenario' ? 'input' : 'output';
  return {
    $id: `https://agent-failure-lab.local/schemas/${name}.schema.json`,
    ...z.toJSONSchema(JSON_SCHEMAS[name], { target: 'draft-2020-12', io, unrepresentable: 'any' }),
  };
}
