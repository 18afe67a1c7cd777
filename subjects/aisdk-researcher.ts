import { Output } from 'ai';
import { z } from 'zod';
import { aiSdkLab } from '../src/frameworks/ai-sdk.ts';
import { defineSubject, defineTool } from '../src/subject/index.ts';

const NOTES = [
  { id: 'n1', text: 'The Oslo line carried 41,200 passengers in March.' },
  { id: 'n2', text: 'The Bergen line carried 18,900 passengers in March.' },
];

const searchNotes = defineTool<{ query: string }>({
  name: 'search_notes',
  description: 'Research notes that mention every word of the query.',
  parameters: {
    type: 'object',
    properties: { query: { type: 'string' } },
    required: ['query'],
    additionalProperties: false,
  },
  run: ({ query }) => ({
    results: NOTES.filter((n) =>
      query
        .toLowerCase()
        .split(/\s+/)
        .every((w) => n.text.toLowerCase().includes(w)),
    ),
  }),
});

const Answer = z.object({ answer: z.string(), sources: z.array(z.string()) });

/** A researcher on the AI SDK (Chat Completions): a tool loop that ends in a structured answer. */
export default defineSubject({
  id: 'aisdk-researcher',
  description:
    'AI SDK generateText over Chat Completions: search_notes in a loop of at most max_steps steps, ending in Output.object {answer, sources}; on_invalid_tool_call says whether an unknown tool or bad arguments go back to the model (report) or fail the run (throw).',
  inputSchema: z.strictObject({
    question: z.string().min(1),
    max_steps: z.int().positive().default(4),
    on_invalid_tool_call: z.enum(['report', 'throw']).default('report'),
  }),
  outputSchema: z.strictObject({ answer: z.string().min(1), sources: z.array(z.string()) }),
  tools: [searchNotes],
  async run(ctx) {
    const lab = aiSdkLab(ctx, { invalidToolCalls: ctx.input.on_invalid_tool_call, agent: 'aisdk-researcher' });
    const { output } = await lab.generateText({
      model: lab.provider.chat(ctx.model),
      system: 'Answer from the notes; cite the ids of the notes you used.',
      prompt: ctx.input.question,
      tools: lab.tools(),
      output: Output.object({ schema: Answer }),
      maxSteps: ctx.input.max_steps,
    });
    return output;
  },
});
