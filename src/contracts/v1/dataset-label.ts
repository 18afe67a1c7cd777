// Version 1 of the DatasetLabel contract, kept so labels files written before version 2 stay readable.
import type { z } from 'zod';
import { DatasetLabel } from '../dataset-label.ts';

/**
 * A DatasetLabel line of version 1, as `lab dataset` wrote it before version 2 added
 * `schema_version` and `injected_faults` (see migrate-dataset-label-v1.ts): version 2 without
 * those fields. Frozen: when version 2 changes, spell it out here.
 */
export const DatasetLabelV1 = DatasetLabel.omit({ schema_version: true, injected_faults: true });
export type DatasetLabelV1 = z.infer<typeof DatasetLabelV1>;
