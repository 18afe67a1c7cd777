// Version 2 of the TraceRecord contract, kept so records written by earlier versions stay readable.
import { z } from 'zod';
import { TraceRecordV3 } from '../v3/trace-record.ts';

/**
 * A TraceRecord of schema_version 2, as stored before version 3 added `attempt_id` (see
 * migrate-v2.ts): version 3 without that field. Frozen: when version 3 changes, spell it out here.
 */
export const TraceRecordV2 = TraceRecordV3.omit({ attempt_id: true }).extend({ schema_version: z.literal(2) });
export type TraceRecordV2 = z.infer<typeof TraceRecordV2>;
