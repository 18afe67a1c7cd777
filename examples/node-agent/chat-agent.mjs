// A calculator assistant that converses, in plain Node (global fetch, no packages), run by the lab
// as a command subject with `conversation: true` (docs/command-subjects.md, "Conversations").
// Environment: OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL, LAB_TOOLS_URL. One process for the
// whole conversation: one JSON line per turn on stdin ({"turn", "message", "input"}), one JSON line
// per turn on stdout ({"reply": ...} or {"error": "..."}). stdin closes when the conversation ends.
import { createInterface } from 'node:readline';

const tools = [
  {
    type: 'function',
    function: {
      name: 'calculate',
      description: 'Evaluates an arithmetic expression.',
      parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] },
    },
  },
];

class HttpError extends Error {
  constructor(status) {
    super(`request failed with ${status}`);
    this.status = status;
  }
}

async function callTool(name, args) {
  const res = await fetch(`${process.env.LAB_TOOLS_URL}/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  return res.ok ? res.json() : { error: (await res.json()).error };
}

async function chat(messages) {
  const res = await fetch(`${process.env.OPENAI_BASE_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.OPENAI_API_KEY}` },
    body: JSON.stringify({ model: process.env.OPENAI_MODEL, messages, tools }),
  });
  if (!res.ok) throw new HttpError(res.status);
  return res.json();
}

// The conversation so far, kept by the process itself (it lives as long as the conversation).
const messages = [{ role: 'system', content: 'Solve each problem with the calculate tool. Answer in one sentence.' }];

async function respond(message) {
  messages.push({ role: 'user', content: message });
  for (let step = 0; step < 5; step++) {
    const { message: reply } = (await chat(messages)).choices[0];
    messages.push(reply);
    if (!reply.tool_calls?.length) return { answer: reply.content ?? '' };
    for (const call of reply.tool_calls) {
      const result = await callTool(call.function.name, JSON.parse(call.function.arguments));
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
  throw new Error('no answer after 5 model calls');
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { message } = JSON.parse(line);
  let out;
  try {
    out = { reply: await respond(message) };
  } catch (error) {
    // Throttled: apologise and go on; anything else is this turn's error (the next turn may still work).
    if (error instanceof HttpError && error.status === 429)
      out = { reply: { answer: 'Sorry, I am being rate limited. Please ask again in a moment.' } };
    else out = { error: error.message };
    messages.push({ role: 'assistant', content: out.reply?.answer ?? '(no answer: something went wrong)' });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
