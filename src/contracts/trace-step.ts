import { z } from 'zod';
import { ErrorInfo, IsoTime, Preview } from './common.ts';

const stepBase = {
  index: z.int().nonnegative().describe('Position of the step in the run, in the order the steps began.'),
  name: z.string().describe('The span name of the step, e.g. "chat lab-model" or "execute_tool get_weather".'),
  started_at: IsoTime,
  ended_at: IsoTime.nullable(),
  duration_ms: z.number().nonnegative().nullable(),
  status: z.enum(['ok', 'error', 'aborted', 'unfinished']).describe('aborted: cancelled by the run deadline; unfinished: still open when the run ended.'),
  error: ErrorInfo.nullable(),
  span_id: z.string().regex(/^[0-9a-f]{16}$/).nullable(),
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

/** One call of a subject's tool. */
export const ToolCallStep = z.strictObject({
  ...stepBase,
  type: z.literal('tool_call'),
  tool: z.string(),
  call_id: z.string().nullable(),
  declared: z.boolean().describe('False when the subject called a tool it never declared.'),
  arguments: Preview,
  result: Preview.nullable(),
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

/** A step of a run, tagged by `type`. */
export const TraceStep = z.discriminatedUnion('type', [ModelCallStep, ToolCallStep, CheckStep]);
export type TraceStep = z.infer<typeof TraceStep>;
