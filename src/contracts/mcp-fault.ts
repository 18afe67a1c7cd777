import { z } from 'zod';

/** SCENARIO_BOUNDS.ms of scenario.ts (which imports this file, so it cannot be imported from there): one hour. */
const MAX_MS = 3_600_000;

/** The fields of an McpFault that decide how the call is answered; at most one may be set (docs/chaos-mcp.md). */
const ANSWERS = ['result/is_error', 'jsonrpc_error', 'hang', 'malformed', 'disconnect'] as const;

/**
 * What the lab's MCP proxy does to one `tools/call` of a server's tool (docs/chaos-mcp.md): answer it
 * itself (a `result` fixture, a tool error result, a JSON-RPC error), wait, never answer, answer
 * with something that is not JSON-RPC, close the transport, or announce that the tools changed.
 * A call with no answer field set goes on to the real server (after `delay_ms`, after `tools_changed`
 * has been announced).
 */
export const McpFault = z
  .strictObject({
    result: z
      .unknown()
      .optional()
      .describe(
        'Answer with this instead of calling the server: a CallToolResult (an object with a content array) as it is, a string as one text content, anything else as its JSON text.',
      ),
    is_error: z
      .literal(true)
      .optional()
      .describe('Answer with a tool error result (isError: true); its text is `result`, or "tool error".'),
    jsonrpc_error: z
      .strictObject({
        code: z.int().min(-2_147_483_648).max(2_147_483_647),
        message: z.string().min(1),
      })
      .optional()
      .describe('Answer with this JSON-RPC error instead of a result.'),
    delay_ms: z
      .int()
      .min(0)
      .max(MAX_MS, 'must be at most 3,600,000 ms (one hour); lower it (see the bounds in docs/scenarios.md)')
      .optional()
      .describe('Wait this long before answering (or before passing the call on).'),
    hang: z.literal(true).optional().describe('Never answer; the call stays open until the client gives up.'),
    malformed: z.literal(true).optional().describe('Answer with a message that is not JSON-RPC.'),
    disconnect: z
      .literal(true)
      .optional()
      .describe('Close the transport instead of answering (stdio: the process ends; HTTP: the connection drops).'),
    tools_changed: z
      .literal(true)
      .optional()
      .describe(
        "Send notifications/tools/list_changed and change the tool's input schema (it gains a required `revision`); with no other answer the call is refused as invalid params (-32602).",
      ),
  })
  .superRefine((fault, ctx) => {
    const set = ANSWERS.filter((a) =>
      a === 'result/is_error' ? fault.result !== undefined || fault.is_error !== undefined : fault[a] !== undefined,
    );
    if (set.length > 1)
      ctx.addIssue({
        code: 'custom',
        message: `one call has one answer, but this fault sets ${set.join(' and ')}: keep one (delay_ms and tools_changed go with any)`,
      });
  });
export type McpFault = z.infer<typeof McpFault>;

/** A scenario's `mcp` block: per server (its name in the subject's mcp_servers), per tool, the faults of its 1st, 2nd, ... call. */
export const McpScript = z
  .record(z.string().min(1), z.record(z.string().min(1), z.array(McpFault)))
  .describe(
    "Per MCP server, per tool, what the lab's proxy does to its 1st, 2nd, ... tools/call; calls past the list go to the real server.",
  );
export type McpScript = z.infer<typeof McpScript>;
