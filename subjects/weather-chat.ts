import OpenAI from 'openai';
import { z } from 'zod';
import { type ConversationEntry, defineSubject, defineTool } from '../src/subject/index.ts';

const MAX_STEPS = 4;

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

type Reply = { answer: string; tools_used: string[] };

/** The conversation so far as chat messages: a turn that failed is shown to the model as the apology the user saw. */
function messagesOf(history: readonly ConversationEntry<Reply>[], message: string) {
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are a weather assistant. Answer with the tools you have.' },
  ];
  for (const turn of history) {
    messages.push({ role: 'user', content: turn.user });
    messages.push({ role: 'assistant', content: turn.reply?.answer ?? '(something went wrong; no answer was given)' });
  }
  messages.push({ role: 'user', content: message });
  return messages;
}

/**
 * A weather assistant that holds a conversation (docs/chaos-conversations.md): each turn is a
 * chat.completions tool loop over the whole conversation so far. Tool errors go back to the model;
 * a rate limit (429) gets an apology and the conversation goes on; any other API error is thrown.
 */
export default defineSubject({
  id: 'weather-chat',
  description:
    'A weather assistant over several user turns: a chat.completions tool loop per turn (get_weather) over the conversation so far; apologises for a rate limit, throws other API errors.',
  inputSchema: z.strictObject({ user_name: z.string().min(1) }),
  outputSchema: z.strictObject({ answer: z.string().min(1), tools_used: z.array(z.string()) }),
  tools: [getWeather],
  async respond(message, history, { client, model, tools, signal }): Promise<Reply> {
    const messages = messagesOf(history, message);
    const used: string[] = [];
    for (let step = 0; step < MAX_STEPS; step++) {
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create({ model, messages, tools: tools.definitions }, { signal });
      } catch (error) {
        // Throttled: say so, and let the user ask again in the next turn.
        if (error instanceof OpenAI.RateLimitError)
          return {
            answer: 'Sorry, I am being rate limited right now. Please ask me again in a moment.',
            tools_used: used,
          };
        throw error;
      }
      const reply = completion.choices[0]?.message;
      if (!reply) throw new Error('the model returned no choices');
      const calls = (reply.tool_calls ?? []).filter((c) => c.type === 'function');
      if (calls.length === 0) return { answer: reply.content ?? '', tools_used: used };
      messages.push(reply);
      for (const call of calls) {
        used.push(call.function.name);
        let content: string;
        try {
          content = JSON.stringify(await tools.call(call.function.name, JSON.parse(call.function.arguments), call.id));
        } catch (error) {
          if (signal.aborted) throw error;
          content = `error: ${error instanceof Error ? error.message : String(error)}`;
        }
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
    throw new Error(`the assistant did not answer within ${MAX_STEPS} model calls`);
  },
});
