// The one fault vocabulary of every transport (model, tools, MCP), and the record of a fault the
// lab injected. Branch chaos-variants owns this module; chaos-mcp adds what MCP needs, same names.
import { z } from 'zod';
import { McpFault } from './mcp-fault.ts';
import { ReplyFault, ToolFixture } from './scenario.ts';

/** A fault of one model reply (the scripted model server's faults). */
export const ModelFault = ReplyFault;
export type ModelFault = ReplyFault;

/** A fault (or fixture) of one call of a subject's own tool. */
export const ToolFault = ToolFixture;
export type ToolFault = ToolFixture;

export { McpFault };

const call = z.int().positive().describe('Which call, 1-based.');
const turn = z.int().positive().optional().describe('The conversation turn, 1-based (conversations only).');

/** Where a fault is put: a model call, a call of a tool, or a call of an MCP server's tool. */
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
  step_index: z.int().nonnegative().nullable().describe('The step it hit; null when no step recorded it.'),
  step_type: z.enum(['model_call', 'tool_call']).nullable(),
  fault: z.union([McpFault, ModelFault, ToolFault]),
});
export type InjectedFault = z.infer<typeof InjectedFault>;
