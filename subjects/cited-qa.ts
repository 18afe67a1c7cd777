import { z } from 'zod';
import { defineSubject } from '../src/subject/index.ts';

const Document = z.strictObject({ id: z.string(), text: z.string() });

/** Retrieval QA: answers from the given documents in JSON mode, citing document ids and quoting them. */
export default defineSubject({
  id: 'cited-qa',
  description: 'Answers a question from retrieved documents; the answer cites document ids and may quote them.',
  inputSchema: z.strictObject({ question: z.string().min(1), documents: z.array(Document).min(1) }),
  outputSchema: z.strictObject({
    answer: z.string().min(1),
    citations: z.array(z.string()).min(1, 'an answer must cite at least one document'),
  }),
  async run({ client, model, input, signal }) {
    const context = input.documents.map((d) => `[${d.id}] ${d.text}`).join('\n');
    const completion = await client.chat.completions.create(
      {
        model,
        messages: [
          {
            role: 'system',
            content:
              'Answer only from the documents. Reply as JSON: {"answer": string, "citations": [document ids]}. Quote in double quotes.',
          },
          { role: 'user', content: `${context}\n\nQuestion: ${input.question}` },
        ],
        response_format: { type: 'json_object' },
      },
      { signal },
    );
    // JSON mode promises JSON, not this shape: the output schema decides.
    return JSON.parse(completion.choices[0]?.message.content ?? 'null');
  },
});
