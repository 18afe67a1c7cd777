import { z } from 'zod';
import { aiSdkLab } from '../src/frameworks/ai-sdk.ts';
import { defineSubject } from '../src/subject/index.ts';

/** A streaming summarizer on the AI SDK: streamText over Chat Completions (SSE), read to its end. */
export default defineSubject({
  id: 'aisdk-stream-summarizer',
  description:
    'AI SDK streamText over Chat Completions (the scripted server streams Chat Completions only), reading textStream to its end.',
  inputSchema: z.strictObject({ text: z.string().min(1) }),
  outputSchema: z.strictObject({ summary: z.string().min(1).max(280), word_count: z.int().nonnegative() }),
  async run(ctx) {
    const lab = aiSdkLab(ctx, { agent: 'aisdk-stream-summarizer' });
    const summary = (
      await lab.streamText({
        model: lab.provider.chat(ctx.model),
        system: 'Summarize in at most 280 characters.',
        prompt: ctx.input.text,
      })
    ).trim();
    return { summary, word_count: summary ? summary.split(/\s+/).length : 0 };
  },
});
