import type OpenAI from 'openai';
import { z } from 'zod';
import { defineSubject, defineTool } from '../src/subject/index.ts';

const MAX_TURNS = 4;

/** Evaluates + - * / and parentheses over decimal numbers; throws on anything else or on division by zero. */
export function evaluate(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/()]|\S/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const primary = (): number => {
    const token = next();
    if (token === '(') {
      const value = sum();
      if (next() !== ')') throw new Error(`missing ")" in "${expression}"`);
      return value;
    }
    if (token === '-') return -primary();
    if (token !== undefined && /^\d/.test(token)) return Number(token);
    throw new Error(`unexpected "${token ?? 'end'}" in "${expression}"`);
  };
  const product = (): number => {
    let value = primary();
    while (peek() === '*' || peek() === '/') {
      const op = next();
      const right = primary();
      if (op === '/' && right === 0) throw new RangeError('division by zero');
      value = op === '*' ? value * right : value / right;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (peek() === '+' || peek() === '-') value = next() === '+' ? value + product() : value - product();
    return value;
  };
  const result = sum();
  if (pos !== tokens.length) throw new Error(`unexpected "${peek()}" in "${expression}"`);
  return result;
}

const calculate = defineTool<{ expression: string }>({
  name: 'calculate',
  description: 'Evaluates an arithmetic expression with + - * / and parentheses.',
  parameters: {
    type: 'object',
    properties: { expression: { type: 'string' } },
    required: ['expression'],
    additionalProperties: false,
  },
  run: ({ expression }) => ({ expression, value: evaluate(expression) }),
});

/** A calculator agent that trusts its tool: a tool error is not caught, so it ends the run. */
export default defineSubject({
  id: 'calculator-agent',
  description: 'Solves arithmetic word problems with a calculate tool; the final answer is JSON {result, explanation}.',
  inputSchema: z.strictObject({ problem: z.string().min(1) }),
  outputSchema: z.strictObject({ result: z.number(), explanation: z.string() }),
  tools: [calculate],
  async run({ client, model, input, tools, signal }) {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      {
        role: 'system',
        content: 'Use calculate for every computation. Finish with JSON {"result": number, "explanation": string}.',
      },
      { role: 'user', content: input.problem },
    ];
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      const completion = await client.chat.completions.create(
        { model, messages, tools: tools.definitions },
        { signal },
      );
      const message = completion.choices[0]?.message;
      if (!message) throw new Error('the model returned no choices');
      const calls = (message.tool_calls ?? []).filter((c) => c.type === 'function');
      if (calls.length === 0) return JSON.parse(message.content ?? 'null');
      messages.push(message);
      for (const call of calls) {
        const result = await tools.call(call.function.name, JSON.parse(call.function.arguments), call.id);
        messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
      }
    }
    throw new Error(`the agent did not finish within ${MAX_TURNS} turns`);
  },
});
