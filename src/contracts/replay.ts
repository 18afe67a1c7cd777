import { z } from 'zod';

/** One HTTP exchange with the model endpoint, kept whole so the run can be replayed. */
export const ReplayExchange = z.strictObject({
  step_index: z.int().nonnegative().describe('The model_call step of this exchange.'),
  status: z
    .int()
    .nullable()
    .describe('HTTP status; null when no answer came (the request hung or the connection failed).'),
  content_type: z.string().nullable(),
  body: z
    .string()
    .nullable()
    .describe(
      'The whole body as received, secrets redacted (for a stream: every event up to where it ended); null when none came.',
    ),
  complete: z.boolean().describe('False when the body was cut short (a broken stream) or never came.'),
});
export type ReplayExchange = z.infer<typeof ReplayExchange>;

/** One tool call's outcome, kept whole so the run can be replayed. */
export const ReplayToolResult = z.strictObject({
  step_index: z.int().nonnegative().describe('The tool_call step.'),
  tool: z.string(),
  result: z.unknown().describe('What the tool returned (JSON; secrets redacted); null when it threw or never settled.'),
  error: z.string().nullable().describe('The message it threw, redacted; null when it returned or never settled.'),
  settled: z.boolean().describe('False when the call never finished before the run ended (it hung or was cut off).'),
});
export type ReplayToolResult = z.infer<typeof ReplayToolResult>;

/**
 * What `capture --record-replies` keeps beside a run so `failures reproduce` can turn it into a
 * regression scenario: the scenario as it ran, every model exchange and every tool result, whole
 * and redacted. It costs the size of every body (see "Turning a failure into a regression scenario").
 */
export const Replay = z.strictObject({
  scenario: z
    .record(z.string(), z.unknown())
    .describe("The scenario as it ran (its file's content with defaults applied)."),
  exchanges: z.array(ReplayExchange),
  tool_results: z.array(ReplayToolResult),
});
export type Replay = z.infer<typeof Replay>;
