import { z } from 'zod';
import { defineSubject, defineTool, type FallbackOptions, type SubjectContext } from '../src/subject/index.ts';

const FORECASTS: Record<string, { temp_c: number; conditions: string }> = {
  oslo: { temp_c: 7, conditions: 'rain' },
  lima: { temp_c: 19, conditions: 'overcast' },
  cairo: { temp_c: 31, conditions: 'sunny' },
};

const getForecast = defineTool<{ city: string }>({
  name: 'get_forecast',
  description: "Tomorrow's forecast for a city.",
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  run({ city }) {
    const forecast = FORECASTS[city.toLowerCase()];
    if (!forecast) throw new Error(`no forecast for "${city}"`);
    return { city, ...forecast };
  },
});

const Forecast = z.strictObject({ temp_c: z.number(), conditions: z.string().min(1) });
type Forecast = z.infer<typeof Forecast>;

const Input = z.strictObject({
  city: z.string().min(1),
  /** Where the forecast comes from: the get_forecast tool, or the model (JSON it must return). */
  source: z.enum(['tool', 'model']).default('tool'),
  /** Cut a tool call short after this long (AbortSignal.timeout). */
  tool_timeout_ms: z.int().positive().optional(),
  retry: z
    .strictObject({ attempts: z.int().min(1), delays_ms: z.array(z.int().nonnegative()).min(1).optional() })
    .optional(),
  breaker: z.strictObject({ failure_threshold: z.int().min(1), reset_after_ms: z.int().nonnegative() }).optional(),
  fallback: z
    .strictObject({
      type: z.enum(['cache', 'default', 'alternate_service', 'human_review', 'reject']),
      name: z.string().optional(),
      confidence_impact: z.enum(['none', 'reduced', 'unknown']).optional(),
      /** The forecast the fallback answers with (cache, default, alternate_service). */
      value: Forecast.optional(),
    })
    .optional(),
  /** What to do when fetching fails and nothing recovers it: throw, or answer without a temperature. */
  on_error: z.enum(['throw', 'partial']).default('throw'),
  /** Ask the model for a one-line summary instead of writing it from the forecast. */
  summary_from_model: z.boolean().default(false),
});
type Input = z.infer<typeof Input>;

const Output = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('answered'),
    city: z.string(),
    temp_c: z.number(),
    conditions: z.string(),
    source: z.string(),
    summary: z.string(),
  }),
  z.strictObject({ status: z.literal('needs_review'), city: z.string(), reason: z.string() }),
  z.strictObject({ status: z.literal('rejected'), city: z.string(), reason: z.string() }),
]);

/**
 * A forecast agent that recovers through ctx.recovery, as its input says: retry with backoff, a
 * circuit breaker around the tool, a fallback (cache, default, human review...), a per-call
 * tool timeout. One subject for many recovery scenarios, each a data file.
 */
export default defineSubject({
  id: 'forecast-agent',
  description:
    "Answers tomorrow's forecast for a city from a tool or the model, recovering with retry, a circuit breaker and fallbacks as its input configures.",
  inputSchema: Input,
  outputSchema: Output,
  tools: [getForecast],
  toolsCalledBy: 'subject',
  async run(ctx) {
    const { input, recovery } = ctx;
    const target = input.source === 'tool' ? 'get_forecast' : `model:${ctx.model}`;
    const once = () => (input.source === 'tool' ? fromTool(ctx) : fromModel(ctx));
    const breaker =
      input.breaker &&
      recovery.breaker(target, {
        failureThreshold: input.breaker.failure_threshold,
        resetAfterMs: input.breaker.reset_after_ms,
      });
    const guarded = breaker ? () => breaker.call(once) : once;
    const retry = input.retry;
    const fetch = retry
      ? () =>
          recovery.retry(target, guarded, {
            attempts: retry.attempts,
            ...(retry.delays_ms ? { delaysMs: retry.delays_ms } : {}),
          })
      : guarded;

    let forecast: Forecast | null;
    let source = 'primary';
    const fallback = input.fallback;
    try {
      if (fallback) {
        const options: FallbackOptions = {
          primary: target,
          type: fallback.type,
          name: fallback.name ?? fallback.type,
          ...(fallback.confidence_impact ? { confidenceImpact: fallback.confidence_impact } : {}),
        };
        const answer = await recovery.fallback<Forecast | 'needs_review' | 'rejected'>(options, fetch, (error) => {
          source = fallback.type;
          if (fallback.type === 'human_review') {
            recovery.escalate(
              'human:forecast-desk',
              `no usable forecast for ${input.city} (${error instanceof Error ? error.name : typeof error})`,
            );
            return 'needs_review';
          }
          if (fallback.type === 'reject') return 'rejected';
          if (!fallback.value) throw new Error(`fallback ${fallback.type} has no value to answer with`);
          return fallback.value;
        });
        if (answer === 'needs_review')
          return {
            status: 'needs_review',
            city: input.city,
            reason: 'the forecast could not be read; a forecaster will answer',
          };
        if (answer === 'rejected') return { status: 'rejected', city: input.city, reason: 'no forecast available' };
        forecast = answer;
      } else forecast = await fetch();
    } catch (error) {
      if (input.on_error === 'throw' || ctx.signal.aborted) throw error;
      forecast = null;
    }
    if (!forecast)
      return {
        status: 'answered',
        city: input.city,
        temp_c: null,
        conditions: 'unknown',
        source,
        summary: `${input.city}: no forecast`,
      };
    const summary = input.summary_from_model
      ? await summarize(ctx, forecast)
      : `${input.city}: ${forecast.temp_c}°C, ${forecast.conditions}`;
    return { status: 'answered', city: input.city, ...forecast, source, summary };
  },
});

async function fromTool({ tools, input }: SubjectContext<Input>): Promise<Forecast> {
  const signal = input.tool_timeout_ms ? AbortSignal.timeout(input.tool_timeout_ms) : undefined;
  const result = (await tools.call('get_forecast', { city: input.city }, undefined, signal ? { signal } : {})) as {
    temp_c: number;
    conditions: string;
  };
  return { temp_c: result.temp_c, conditions: result.conditions };
}

async function fromModel({ client, model, input, signal, parseModelOutput }: SubjectContext<Input>): Promise<Forecast> {
  const completion = await client.chat.completions.create(
    {
      model,
      messages: [
        {
          role: 'user',
          content: `Forecast for ${input.city} tomorrow as JSON {"temp_c": number, "conditions": string}.`,
        },
      ],
      response_format: { type: 'json_object' },
    },
    { signal },
  );
  // Throws a ZodError for a reply of the wrong shape: the model broke its output contract.
  return parseModelOutput(Forecast, JSON.parse(completion.choices[0]?.message.content ?? 'null'));
}

async function summarize({ client, model, input, signal }: SubjectContext<Input>, forecast: Forecast): Promise<string> {
  const completion = await client.chat.completions.create(
    { model, messages: [{ role: 'user', content: `One line for ${input.city}: ${JSON.stringify(forecast)}` }] },
    { signal },
  );
  return completion.choices[0]?.message.content ?? '';
}
