import { z } from 'zod';
import { IsoTime } from './common.ts';

/** The BlindTrace version `lab dataset` writes. */
export const BLIND_TRACE_VERSION = 1;

const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `${length} lowercase hex digits`);

/** An error as the agent's code met it: its class and message, and an HTTP status when it came with one. */
export const BlindError = z.strictObject({
  class: z.string(),
  message: z.string(),
  status: z.int().nullable(),
});
export type BlindError = z.infer<typeof BlindError>;

/**
 * One span of a blind trace: the run itself (the root, `step_index` null) or one step of it (a
 * model call, a tool call, a recovery action), with the attributes an agent's own OpenTelemetry
 * instrumentation would give it (gen_ai.* names; messages, arguments and results as JSON text).
 */
export const BlindSpan = z.strictObject({
  span_id: hex(16),
  parent_span_id: hex(16).nullable(),
  step_index: z
    .int()
    .nonnegative()
    .nullable()
    .describe("The step's position among the trace's steps (0, 1, ...); null for the root span."),
  name: z
    .string()
    .describe('"invoke_agent {agent}", "chat {model}", "execute_tool {tool}", "recovery {action} {target}".'),
  kind: z.enum(['agent', 'llm', 'tool', 'chain']),
  agent: z.string().nullable().describe('The agent that was running (multi-agent subjects), else null.'),
  started_at: IsoTime,
  ended_at: IsoTime.nullable(),
  duration_ms: z.number().nonnegative().nullable(),
  status: z
    .enum(['ok', 'error', 'aborted', 'unfinished'])
    .describe('aborted: cancelled before it finished; unfinished: still open when the run ended.'),
  error: BlindError.nullable(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])),
});
export type BlindSpan = z.infer<typeof BlindSpan>;

/**
 * A run as the agent's own telemetry would hold it, and nothing of the lab's verdict: no checks,
 * no classification, no scenario, no expected or detected kind. Ids are drawn anew, so a trace
 * joins back to the store only through its dataset's labels. Written by `lab dataset`.
 */
export const BlindTrace = z.strictObject({
  schema_version: z.literal(BLIND_TRACE_VERSION),
  trace_id: hex(32),
  agent: z.string().describe('The agent (the subject) that ran.'),
  started_at: IsoTime,
  ended_at: IsoTime,
  duration_ms: z.number().nonnegative(),
  input: z.string().describe('The input, as JSON text (redacted, bounded as the lab stores it).'),
  output: z.string().nullable().describe('What the agent returned, as JSON text; null when it threw or was cut off.'),
  error: BlindError.nullable().describe('What the run ended with when it did not return.'),
  spans: z.array(BlindSpan).min(1).describe('The root span first, then the steps in the order they began.'),
});
export type BlindTrace = z.infer<typeof BlindTrace>;
