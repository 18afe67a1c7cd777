// The one fault vocabulary of every transport (model, tools, live, MCP), and the record of a fault
// the lab injected (docs/live.md, "Faults on live traffic"; docs/chaos-mcp.md): a scripted reply,
// a fault on a live call, an MCP fault and the list of faults a run met are the same values.
import { z } from 'zod';
import { McpFault } from './mcp-fault.ts';
import { ReplyFault, ToolFixture } from './scenario.ts';

/** A fault of one model call: the scripted server's ReplyFault (kept exported under that name too). */
export const ModelFault = ReplyFault;
export type ModelFault = ReplyFault;

/** The failure part of a tool fixture. */
export const ToolFault = ToolFixture.pick({ error: true, hang: true, delay_ms: true, busy_ms: true });
export type ToolFault = z.infer<typeof ToolFault>;

export { McpFault };

const call = z.int().positive().describe('Which call, 1-based.');
const turn = z.int().positive().optional().describe('The conversation turn, 1-based (conversations only).');

/** Where a fault is put: the n-th model call, the n-th call of a tool, or of an MCP server's tool (1-based). */
export const FaultSite = z.union([
  z.strictObject({ model_call: call, turn }),
  z.strictObject({ tool: z.string().min(1), call, turn }),
  z.strictObject({
    mcp: z.string().min(1).describe("The server's name in the subject's mcp_servers."),
    tool: z.string().min(1),
    call,
    turn,
  }),
]);
export type FaultSite = z.infer<typeof FaultSite>;

/** One fault the lab injected into a run, known by construction (not by the detector). */
export const InjectedFault = z.strictObject({
  source: z
    .enum(['script', 'variant', 'fuzz', 'live'])
    .describe("Who asked for it: the scenario's script, a variant, fuzz, or a live fault."),
  site: FaultSite,
  step_index: z
    .int()
    .nonnegative()
    .nullable()
    .describe('The step of the faulted call; null when the run recorded no step for it.'),
  step_type: z.enum(['model_call', 'tool_call']).nullable(),
  fault: z.union([McpFault, ModelFault, ToolFault]),
});
export type InjectedFault = z.infer<typeof InjectedFault>;

/**
 * On a live call (docs/live.md), the faults that replace the call, which is then not forwarded:
 * status, malformed, hang, endless. delay_ms and cut_after_chunks alone alter the forwarded call.
 */
export function replacesCall(fault: ModelFault | undefined): boolean {
  return Boolean(fault && (fault.status !== undefined || fault.malformed || fault.hang || fault.endless));
}
