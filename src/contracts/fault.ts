import { z } from 'zod';
import { ReplyFault, ToolFixture } from './scenario.ts';

// The one fault vocabulary (README "Chaos"): every transport, variants and fuzz speak of these
// shapes. Branch chaos-variants defines this module too; the names and shapes are the same.

/** A fault of one model call: the scripted model server's ReplyFault. */
export const ModelFault = ReplyFault;
export type ModelFault = z.infer<typeof ModelFault>;

/** The failure part of a tool fixture. */
export const ToolFault = ToolFixture.pick({ error: true, hang: true, delay_ms: true, busy_ms: true });
export type ToolFault = z.infer<typeof ToolFault>;

const call = z.int().positive().describe('1 for the first call (in a conversation, the first of its turn).');
const turn = z
  .int()
  .positive()
  .optional()
  .describe('In a conversation: the turn the call belongs to (1 for the first); calls are counted within it.');

/** Where a fault is put: a model call, a tool's call, or an MCP server tool's call; in a conversation, of a given turn. */
export const FaultSite = z.union([
  z.strictObject({ model_call: call, turn }),
  z.strictObject({ tool: z.string().min(1), call, turn }),
  z.strictObject({ mcp: z.string().min(1), tool: z.string().min(1), call, turn }),
]);
export type FaultSite = z.infer<typeof FaultSite>;
