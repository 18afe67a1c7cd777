import { z } from 'zod';
import { IsoTime } from './common.ts';

/** A fallback taken: what triggered it, the path it replaced, the path taken and its outcome. */
export const FallbackRecord = z.strictObject({
  schema_version: z.literal(1),
  record_type: z.literal('fallback').describe('Tells fallback records apart from traces in a store.'),
  fallback_id: z.string().min(1),
  trace_id: z.string().min(1),
  timestamp: IsoTime,
  trigger_type: z.enum(['failure', 'timeout', 'degradation', 'policy']),
  trigger_ref: z.string().min(1),
  primary_path_ref: z.string().min(1),
  fallback_path_id: z.string().min(1),
  fallback_path_name: z.string().nullable(),
  fallback_type: z.enum(['cache', 'default', 'alternate_service', 'human_review', 'reject']),
  outcome_ref: z.string().nullable(),
  outcome_status: z.enum(['success', 'failure', 'partial']),
  confidence_impact: z.enum(['none', 'reduced', 'unknown']).nullable(),
});
export type FallbackRecord = z.infer<typeof FallbackRecord>;
