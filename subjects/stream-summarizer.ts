import { z } from 'zod';
import { defineSubject } from '../src/subject/index.ts';

/** A streaming summarizer: reads the SSE stream to its end and returns the summary with its word count. */
export default defineSubject({
  id: 'stream-summarizer',
  description: 'Summarizes a text in at most 280 characters, streaming the reply (SSE) from chat.completions.',
  inputSchema: z.strictObject({ text: z.string().min(1) }),
  outputSchema: z.strictObject({ summary: z.string().min(1).max(280), word_count: z.int().nonnegative() }),
  async run({ client, model, input, signal }) {
    const stream = await client.chat.completions.create(
      {
        model,
        stream: true,
        stream_options: { include_usage: true },
        messages: [
          { role: 'system', content: 'Summarize in at most 280 characters.' },
          { role: 'user', content: input.text },
        ],
      },
      { signal },
    );
    let summary = '';
    for await (const chunk of stream) summary += chunk.choices[0]?.delta.content ?? '';
    summary = summary.trim();
    return { summary, word_count: summary ? summary.split(/\s+/).length : 0 };
  },
});
