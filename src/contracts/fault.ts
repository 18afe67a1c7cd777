import { z } from 'zod';
import { FAILURE_KINDS } from './failure-kind.ts';
import { McpFault } from './mcp-fault.ts';
import { bounded, ms, SCENARIO_BOUNDS } from './scenario-bounds.ts';

export { McpFault };

/**
 * The one fault vocabulary (docs/chaos.md): a hand-written script, a variant, a fuzz trial, a
 * live fault (docs/live.md) and an MCP fault (docs/chaos-mcp.md) all say what goes wrong with these shapes, at these sites, and a run's record lists
 * exactly what was applied (InjectedFault).
 */

/** A fault the scripted model server injects into one model call (a reply's `fault`). */
export const ModelFault = z.strictObject({
  delay_ms: ms(0).optional().describe('Wait this long before answering.'),
  hang: z.literal(true).optional().describe('Never answer; the request stays open until the client gives up.'),
  status: bounded(400, 599).optional().describe('Answer with this HTTP error status and an OpenAI-style error body.'),
  retry_after_ms: ms(0).optional().describe('Send retry-after-ms (and retry-after) with the error status.'),
  malformed: z.literal(true).optional().describe('Answer 200 with a body that is not JSON.'),
  cut_after_chunks: bounded(0, SCENARIO_BOUNDS.chunks)
    .optional()
    .describe('Streaming only: send this many chunks, then destroy the connection.'),
  endless: z.literal(true).optional().describe('Streaming only: keep sending chunks until the client goes away.'),
});
export type ModelFault = z.infer<typeof ModelFault>;

/** A fault of one tool call: the failure part of a tool fixture. */
export const ToolFault = z.strictObject({
  error: z.string().optional().describe('Throw an Error with this message.'),
  hang: z.literal(true).optional().describe('Never settle (until the run is aborted).'),
  delay_ms: ms(0).optional().describe('Wait this long first.'),
  busy_ms: ms(0).optional().describe('Block the thread synchronously for this long first (a CPU-bound tool).'),
});
export type ToolFault = z.infer<typeof ToolFault>;

const call = bounded(1, SCENARIO_BOUNDS.requests).describe('1-based.');
const turn = bounded(1, SCENARIO_BOUNDS.requests)
  .optional()
  .describe('The conversation turn (1-based), for a subject that converses.');

/** The nth request to the model endpoint in the run (retries count: each is a request of its own). */
export const ModelSite = z.strictObject({ model_call: call, turn });
export type ModelSite = z.infer<typeof ModelSite>;

/** The nth call of one tool in the run. */
export const ToolSite = z.strictObject({ tool: z.string().min(1), call, turn });
export type ToolSite = z.infer<typeof ToolSite>;

/** The nth call of a tool served by an MCP server (docs/chaos-mcp.md): `mcp` is the server's name in the subject's mcp_servers. */
export const McpSite = z.strictObject({ mcp: z.string().min(1), tool: z.string().min(1), call, turn });
export type McpSite = z.infer<typeof McpSite>;

/** An MCP server itself, at connect (docs/chaos-mcp.md): `mcp` is the server's name in the subject's mcp_servers. */
export const McpServerSite = z.strictObject({ mcp: z.string().min(1) });
export type McpServerSite = z.infer<typeof McpServerSite>;

/** Where a fault is placed. */
export const FaultSite = z.union([ModelSite, ToolSite, McpSite, McpServerSite]);
export type FaultSite = z.infer<typeof FaultSite>;

/** A model fault placed by a variant: `{ model_call: 2, fault: { status: 429 } }`. */
export const ModelVariantFault = z.strictObject({ ...ModelSite.shape, fault: ModelFault });
export type ModelVariantFault = z.infer<typeof ModelVariantFault>;

/** A tool fault placed by a variant, written flat: `{ tool: get_weather, call: 1, error: "upstream down" }`. */
export const ToolVariantFault = z.strictObject({ ...ToolSite.shape, ...ToolFault.shape });
export type ToolVariantFault = z.infer<typeof ToolVariantFault>;

/** An MCP fault placed by a variant: `{ mcp: weather, tool: get_forecast, call: 1, fault: { disconnect: true } }`. */
export const McpVariantFault = z.strictObject({ ...McpSite.shape, fault: McpFault });
export type McpVariantFault = z.infer<typeof McpVariantFault>;

/**
 * What an MCP server does at connect when a scenario asks it not to start (docs/chaos-mcp.md):
 * `fail`, as a server whose process exits at once (stdio) or whose endpoint refuses `initialize`
 * (Streamable HTTP). A scenario asks for it in `mcp_start`, a variant or fuzz as `{ mcp, start }`.
 */
export const McpStartFault = z.strictObject({
  start: z
    .literal('fail', { error: 'the one start fault is "fail" (the server does not start)' })
    .describe('fail: the server does not start; the agent sees it fail at connect.'),
});
export type McpStartFault = z.infer<typeof McpStartFault>;

/** A start fault placed by a variant or fuzz, written flat: `{ mcp: weather, start: fail }`. */
export const McpStartVariantFault = z.strictObject({ ...McpServerSite.shape, ...McpStartFault.shape });
export type McpStartVariantFault = z.infer<typeof McpStartVariantFault>;

/** One fault of a variant (or of a fuzz trial). */
export const VariantFault = z.union([ModelVariantFault, ToolVariantFault, McpVariantFault, McpStartVariantFault], {
  error:
    'a fault is { model_call: n, fault: { status | hang | malformed | delay_ms | ... } }, { tool: name, call: n, error | hang | delay_ms | busy_ms }, { mcp: server, tool: name, call: n, fault: { ... } } or { mcp: server, start: fail } (see docs/chaos.md)',
});
export type VariantFault = z.infer<typeof VariantFault>;

/** A variant of a scenario: faults on the baseline's own script, run as the scenario "<id>/<variant id>". */
export const Variant = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  description: z.string().min(1),
  expected: z
    .enum(FAILURE_KINDS, { error: `expected one of ${FAILURE_KINDS.join(', ')}, or null for a control that must pass` })
    .nullable()
    .describe('The kind this variant fails with, or null when the baseline survives its faults.'),
  faults: z.array(VariantFault).default([]),
});
export type Variant = z.infer<typeof Variant>;

/** The kinds of fault `lab fuzz` tries, by name (docs/chaos.md has what each applies). */
export const FUZZ_FAULT_KINDS = [
  'status_429',
  'status_500',
  'status_503',
  'status_400',
  'model_hang',
  'malformed',
  'model_delay',
  'stream_cut',
  'stream_endless',
  'tool_error',
  'tool_hang',
  'tool_delay',
  'tool_busy',
  'mcp_is_error',
  'mcp_jsonrpc_error',
  'mcp_hang',
  'mcp_delay',
  'mcp_malformed',
  'mcp_disconnect',
  'mcp_tools_changed',
  'mcp_start_fail',
] as const;
export type FuzzFaultKind = (typeof FUZZ_FAULT_KINDS)[number];

/** A scenario's say in the space `lab fuzz` searches: which calls and kinds, and which delays. */
export const FuzzSpace = z.strictObject({
  kinds: z
    .array(z.enum(FUZZ_FAULT_KINDS))
    .min(1)
    .optional()
    .describe(
      'The fault kinds to try, where they fit (default: status_429, status_500, status_400, model_hang, malformed, model_delay, stream_cut on streamed calls, tool_error, tool_hang, tool_delay, and on MCP calls mcp_is_error, mcp_jsonrpc_error, mcp_hang, mcp_delay, mcp_malformed, mcp_disconnect, mcp_tools_changed, and mcp_start_fail on each MCP server called).',
    ),
  model_calls: z
    .array(call)
    .optional()
    .describe(
      'Only these model calls (default: every model call the baseline made; may name later ones); in a conversation, the calls of each turn, counted within it.',
    ),
  tools: z
    .array(z.string().min(1))
    .optional()
    .describe("Only these tools, the subject's own or an MCP server's (default: every tool the baseline called)."),
  mcp_servers: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "Only these MCP servers' calls, and their start (default: every server the baseline called; [] for none).",
    ),
  delays_ms: z
    .array(ms(1))
    .min(1)
    .optional()
    .describe(
      'The delays to try, smallest first; shrinking moves a delay down this list (default: a tenth of the deadline (of the client timeout for a model call, if shorter) and twice the deadline).',
    ),
});
export type FuzzSpace = z.infer<typeof FuzzSpace>;

/** Who put a fault in a run. */
export const FaultSource = z.enum(['script', 'variant', 'fuzz', 'live']);
export type FaultSource = z.infer<typeof FaultSource>;

/**
 * A fault that was injected into a run, known by construction (not by the detector): where it
 * was placed, the step it hit and the fault itself. TraceRecord.injected_faults lists them.
 */
export const InjectedFault = z.strictObject({
  source: FaultSource.describe(
    "script: the scenario's own script; variant: one of its variants; fuzz: a `lab fuzz` trial; live: a live fault.",
  ),
  site: FaultSite,
  step_index: z
    .int()
    .nonnegative()
    .nullable()
    .describe('The step the fault hit; null when the call was made but left no step the lab saw.'),
  step_type: z.enum(['model_call', 'tool_call']).nullable(),
  fault: z.union([McpFault, ModelFault, ToolFault, McpStartFault]),
});
export type InjectedFault = z.infer<typeof InjectedFault>;

/**
 * On a live call (docs/live.md), the faults that replace the call, which is then not forwarded:
 * status, malformed, hang, endless. delay_ms and cut_after_chunks alone alter the forwarded call.
 */
export function replacesCall(fault: ModelFault | undefined): boolean {
  return Boolean(fault && (fault.status !== undefined || fault.malformed || fault.hang || fault.endless));
}
