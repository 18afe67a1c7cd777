// The one fault vocabulary (docs/live.md, "Faults on live traffic"): every transport that injects a
// fault speaks of it with these shapes, so a scripted reply, a fault on a live call and the list
// of faults a run met are the same values.
import { z } from 'zod';
import { ReplyFault, ToolFixture } from './scenario.ts';

/** A fault of one model call: the scripted server's ReplyFault (kept exported under that name too). */
export const ModelFault = ReplyFault;
export type ModelFault = ReplyFault;

/** The failure part of a tool fixture. */
export const ToolFault = ToolFixture.pick({ error: true, hang: true, delay_ms: true, busy_ms: true });
export type ToolFault = z.infer<typeof ToolFault>;

const turn = { turn: z.int().positive().optional().describe('The turn of a conversation, 1-based.') };

/** Where a fault is injected: the n-th model call, the n-th call of a tool, or of an MCP server's tool (1-based). */
export const FaultSite = z.union([
  z.strictObject({ model_call: z.int().positive(), ...turn }),
  z.strictObject({ tool: z.string().min(1), call: z.int().positive(), ...turn }),
  z.strictObject({ mcp: z.string().min(1), tool: z.string().min(1), call: z.int().positive(), ...turn }),
]);
export type FaultSite = z.infer<typeof FaultSite>;

/** A fault a run met: what was applied, where, and the step that shows it. */
export const InjectedFault = z.strictObject({
  source: z.enum(['script', 'variant', 'fuzz', 'live']),
  site: FaultSite,
  step_index: z
    .int()
    .nonnegative()
    .nullable()
    .describe('The step of the faulted call; null when the run recorded no step for it.'),
  step_type: z.enum(['model_call', 'tool_call']),
  fault: z.union([ModelFault, ToolFault]),
});
export type InjectedFault = z.infer<typeof InjectedFault>;

/**
 * On a live call (docs/live.md), the faults that replace the call, which is then not forwarded:
 * status, malformed, hang, endless. delay_ms and cut_after_chunks alone alter the forwarded call.
 */
export function replacesCall(fault: ModelFault | undefined): boolean {
  return Boolean(fault && (fault.status !== undefined || fault.malformed || fault.hang || fault.endless));
}
