import type { DatasetLabel } from './dataset-label.ts';
import type { DatasetLabelV1 } from './v1/dataset-label.ts';

/**
 * Upgrades a DatasetLabel line of version 1 (no `schema_version`) to version 2. Version 1 carried
 * no injected faults, so the label gains `injected_faults`, [] (as TraceRecords of version 3 are
 * read, migrate-v3.ts): such a trace is not scored against injected faults, since only traces
 * with one are. Nothing else changes.
 */
export function upgradeDatasetLabelV1(label: DatasetLabelV1): DatasetLabel {
  return { schema_version: 2, ...label, injected_faults: [] };
}
