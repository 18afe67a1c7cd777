// A calculator agent in plain Node (global fetch, no packages), run by the lab as a command subject.
// Environment: OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL, LAB_TOOLS_URL; input on stdin; output on stdout.
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
  if (!res.ok) throw new Error(`request failed`); // generic on purpose: the lab classifies from the endpoint
  return res.json();
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const task = JSON.parse(input);
const messages = [
  { role: 'system', content: 'Solve the problem with the calculate tool. Answer JSON.' },
  { role: 'user', content: task.problem },
];
for (let turn = 0; turn < 5; turn++) {
  const { message } = (await chat(messages)).choices[0];
  messages.push(message);
  if (!message.tool_calls?.length) {
    process.stdout.write(JSON.stringify(JSON.parse(message.content)));
    process.exit(0);
  }
  for (const call of message.tool_calls) {
    const result = await callTool(call.function.name, JSON.parse(call.function.arguments));
    messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
  }
}
console.error('no answer after 5 turns');
process.exit(1);
