import type OpenAI from 'openai';
import { z } from 'zod';
import { defineSubject, defineTool } from '../src/subject/index.ts';

const MAX_TURNS = 4;

const TEMPERATURES_C: Record<string, number> = { paris: 18, oslo: 7, cairo: 31, lima: 19 };

const getWeather = defineTool<{ city: string }>({
  name: 'get_weather',
  description: 'Current temperature in Celsius for a city.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  run({ city }) {
    const celsius = TEMPERATURES_C[city.toLowerCase()];
    if (celsius === undefined) throw new Error(`no weather station for "${city}"`);
    return { city, celsius };
  },
});

const toFahrenheit = defineTool<{ celsius: number }>({
  name: 'to_fahrenheit',
  description: 'Converts Celsius to Fahrenheit.',
  parameters: {
    type: 'object',
    properties: { celsius: { type: 'number' } },
    required: ['celsius'],
    additionalProperties: false,
  },
  run: ({ celsius }) => ({ fahrenheit: Math.round((celsius * 9) / 5 + 32) }),
});

/** A tool-calling loop: the model asks for tools until it answers; tool errors go back to the model. */
export default defineSubject({
  id: 'weather-agent',
  description:
    'Answers weather questions with a chat.completions tool loop (get_weather, to_fahrenheit), at most 4 turns.',
  inputSchema: z.strictObject({ question: z.string().min(1) }),
  outputSchema: z.strictObject({ answer: z.string().min(1), tools_used: z.array(z.string()) }),
  tools: [getWeather, toFahrenheit],
  async run({ client, model, input, tools, signal }) {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'Answer with the tools you have.' },
      { role: 'user', content: input.question },
    ];
    const used: string[] = [];
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      const completion = await client.chat.completions.create(
        { model, messages, tools: tools.definitions },
        { signal },
      );
      const message = completion.choices[0]?.message;
      if (!message) throw new Error('the model returned no choices');
      const calls = (message.tool_calls ?? []).filter((c) => c.type === 'function');
      if (calls.length === 0) return { answer: message.content ?? '', tools_used: used };
      messages.push(message);
      for (const call of calls) {
        used.push(call.function.name);
        let content: string;
        try {
          content = JSON.stringify(await tools.call(call.function.name, JSON.parse(call.function.arguments), call.id));
        } catch (error) {
          // A careful agent: a failing or unknown tool is reported to the model, not thrown.
          if (signal.aborted) throw error;
          content = `error: ${error instanceof Error ? error.message : String(error)}`;
        }
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
    throw new Error(`the agent did not finish within ${MAX_TURNS} turns`);
  },
});
