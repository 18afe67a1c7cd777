import { z } from 'zod';
import { ErrorInfo, IsoTime, Preview } from './common.ts';
import { FailureType } from './failure-trace.ts';

const stepBase = {
  index: z.int().nonnegative().describe('Position of the step in the run, in the order the steps began.'),
  name: z.string().describe('The span name of the step, e.g. "chat lab-model" or "execute_tool get_weather".'),
  started_at: IsoTime,
  ended_at: IsoTime.nullable(),
  duration_ms: z.number().nonnegative().nullable(),
  status: z
    .enum(['ok', 'error', 'aborted', 'unfinished'])
    .describe('aborted: cancelled by the run deadline; unfinished: still open when the run ended.'),
  error: ErrorInfo.nullable(),
  span_id: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .nullable(),
  agent: z
    .string()
    .nullable()
    .describe(
      'The agent that was running when the step began (multi-agent subjects); null for a single-agent subject.',
    ),
  turn: z
    .int()
    .positive()
    .nullable()
    .describe(
      'The turn of a conversation the step belongs to (1 for the first); null outside a conversation. A turn step carries its own number.',
    ),
};

/** One HTTP exchange with the model endpoint, as the openai client made it (retries are separate steps). */
export const ModelCallStep = z.strictObject({
  ...stepBase,
  type: z.literal('model_call'),
  api: z.enum(['chat.completions', 'responses', 'other']),
  model: z.string().nullable(),
  stream: z.boolean(),
  request: Preview,
  http_status: z.int().nullable(),
  response: Preview.nullable(),
  finish_reason: z.string().nullable(),
  usage: z.strictObject({ input_tokens: z.int().nonnegative(), output_tokens: z.int().nonnegative() }).nullable(),
  tool_calls: z.array(z.strictObject({ id: z.string(), name: z.string(), arguments: Preview })),
});
export type ModelCallStep = z.infer<typeof ModelCallStep>;

/** The MCP side of a tool call served by an MCP server through the lab's proxy (docs/chaos-mcp.md). */
export const McpCall = z.strictObject({
  server: z.string().describe("The server's name in the subject's mcp_servers."),
  method: z.literal('tools/call').describe('mcp.method.name.'),
  request_id: z.string().describe('jsonrpc.request.id: the JSON-RPC id the client gave the request, as a string.'),
  session_id: z
    .string()
    .nullable()
    .describe(
      "mcp.session.id: the Streamable HTTP session (Mcp-Session-Id), or the proxy's own id of a stdio connection.",
    ),
  transport: z.enum(['stdio', 'streamable_http']).describe("The transport between the agent's client and the proxy."),
});
export type McpCall = z.infer<typeof McpCall>;

/** One call of a subject's tool, or of an MCP server's tool (then `mcp` says which server). */
export const ToolCallStep = z.strictObject({
  ...stepBase,
  type: z.literal('tool_call'),
  tool: z.string(),
  call_id: z.string().nullable(),
  declared: z.boolean().describe('False when the subject called a tool it never declared.'),
  arguments: Preview,
  result: Preview.nullable(),
  mcp: McpCall.nullable().describe("The MCP server and request of the call; null for the subject's own tools."),
});
export type ToolCallStep = z.infer<typeof ToolCallStep>;

/** One check the wrapper ran on the subject's output. */
export const CheckStep = z.strictObject({
  ...stepBase,
  type: z.literal('check'),
  check: z.enum(['output_schema', 'grounding']),
  passed: z.boolean(),
  detail: z.string().nullable(),
});
export type CheckStep = z.infer<typeof CheckStep>;

/** How a fallback path is described by the subject that takes it (the path fields of a FallbackRecord). */
export const FallbackPath = z.strictObject({
  type: z.enum(['cache', 'default', 'alternate_service', 'human_review', 'reject']),
  id: z.string().min(1).describe('fallback_path_id: the alternative path, e.g. "cache:weather".'),
  name: z.string().nullable().describe('fallback_path_name, e.g. "cache", "default_approve".'),
  confidence_impact: z.enum(['none', 'reduced', 'unknown']).nullable(),
});
export type FallbackPath = z.infer<typeof FallbackPath>;

/**
 * One recovery action a subject took through ctx.recovery (an action of a RecoveryTrace): a retry, a fallback, a
 * compensation, a self-heal or an escalation. Actions that answer the same failure share an
 * episode; each episode becomes one RecoveryTrace.
 */
export const RecoveryStep = z.strictObject({
  ...stepBase,
  type: z.literal('recovery'),
  action: z.enum(['retry', 'fallback', 'compensation', 'self_heal', 'escalate']),
  target: z
    .string()
    .min(1)
    .describe('target_ref: the component, step or resource acted on (for a fallback, the primary path).'),
  outcome: z
    .enum(['success', 'failure', 'partial'])
    .nullable()
    .describe('null while the action is still running (a run cut off in the middle of it).'),
  episode: z
    .int()
    .nonnegative()
    .describe(
      'Actions answering the same failure share an episode number (0, 1, ... in the order the failures happened).',
    ),
  trigger: z.strictObject({
    step_index: z
      .int()
      .nonnegative()
      .nullable()
      .describe(
        "The failed step that started the episode; null when the error showed without a recorded step (the subject's own code threw), or for an action taken on policy.",
      ),
    message: z.string().nullable().describe('The error that started the episode, redacted.'),
    failure_type: FailureType.nullable().describe(
      'Its failure type (as in a FailureTrace); null for an action taken on policy, with no failure before it.',
    ),
  }),
  inner_steps: z
    .array(z.int().nonnegative())
    .describe("The steps the action itself ran (a retry's model calls, a fallback's tool calls)."),
  fallback: FallbackPath.nullable().describe('The path taken, for a fallback action.'),
  metadata: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .describe('Deterministic details: attempt number, backoff, reason.'),
});
export type RecoveryStep = z.infer<typeof RecoveryStep>;

/**
 * One turn of a conversation (docs/chaos-conversations.md): the user's message and the subject's
 * reply. The model calls, tool calls and checks of the turn come after it and carry its `turn`.
 * Its status is error when the subject threw in that turn (the error is kept), aborted when the run
 * was cut off during it.
 */
export const TurnStep = z.strictObject({
  ...stepBase,
  type: z.literal('turn'),
  user: Preview.describe("The user's message."),
  reply: Preview.nullable().describe("The subject's reply; null when it threw or was cut off."),
});
export type TurnStep = z.infer<typeof TurnStep>;

/** A step of a run, tagged by `type`. */
export const TraceStep = z.discriminatedUnion('type', [ModelCallStep, ToolCallStep, CheckStep, RecoveryStep, TurnStep]);
export type TraceStep = z.infer<typeof TraceStep>;

/**
 * True for a step that failed: a model or tool call that errored or was cut off, or a failed check
 * (recovery actions are not failures, and a turn is the container of its steps, whose own failure
 * shows in them or in the run's error).
 */
export function isFailedStep(step: TraceStep): boolean {
  if (step.type === 'check') return !step.passed;
  if (step.type === 'recovery' || step.type === 'turn') return false;
  return step.status === 'error' || step.status === 'aborted';
}
