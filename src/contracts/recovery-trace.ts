import { z } from 'zod';
import { IsoTime } from './common.ts';

/** One recovery action, in the order it was taken. */
export const RecoveryAction = z.strictObject({
  action_id: z.string().min(1),
  sequence: z.int().nonnegative(),
  timestamp: IsoTime,
  action_type: z.enum(['retry', 'fallback', 'compensation', 'self_heal', 'escalate']),
  target_ref: z.string().min(1).describe('The component, step or resource acted on.'),
  outcome: z.enum(['success', 'failure', 'partial']),
  duration_ms: z.number().nonnegative().nullable(),
  metadata: z.record(z.string(), z.unknown()),
});
export type RecoveryAction = z.infer<typeof RecoveryAction>;

/** The recovery actions taken after a failure and where they ended; actions ordered by sequence. */
export const RecoveryTrace = z
  .strictObject({
    schema_version: z.literal(1),
    trace_id: z.string().min(1),
    trace_type: z.literal('recovery'),
    started_at: IsoTime,
    ended_at: IsoTime.nullable(),
    trigger_type: z.enum(['failure', 'degradation', 'timeout', 'policy']),
    trigger_ref: z.string().min(1).describe('The failure_id or span id that started the recovery.'),
    original_trace_id: z.string().nullable(),
    actions: z.array(RecoveryAction),
    final_outcome: z.enum(['recovered', 'degraded', 'failed']),
    stabilization_ref: z.string().nullable(),
  })
  .superRefine((trace, ctx) => {
    trace.actions.forEach((action, i) => {
      const prev = trace.actions[i - 1];
      if (prev && action.sequence <= prev.sequence)
        ctx.addIssue({
          code: 'custom',
          path: ['actions', i, 'sequence'],
          message: `ordering rule: action ${action.action_id} has sequence ${action.sequence}, not after ${prev.sequence}`,
        });
    });
  });
export type RecoveryTrace = z.infer<typeof RecoveryTrace>;
