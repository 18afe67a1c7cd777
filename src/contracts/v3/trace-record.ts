// Version 3 of the TraceRecord contract, kept so records written by earlier versions stay readable.
import { z } from 'zod';
import { TraceRecord } from '../trace-record.ts';

/**
 * A TraceRecord of schema_version 3, as stored before version 4 added `injected_faults` (see
 * migrate-v3.ts): version 4 without that field. Frozen: when version 4 changes, spell it out here.
 */
export const TraceRecordV3 = TraceRecord.omit({ injected_faults: true }).extend({ schema_version: z.literal(3) });
export type TraceRecordV3 = z.infer<typeof TraceRecordV3>;
