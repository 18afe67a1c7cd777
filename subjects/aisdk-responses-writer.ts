import { Output } from 'ai';
import { z } from 'zod';
import { aiSdkLab } from '../src/frameworks/ai-sdk.ts';
import { defineSubject } from '../src/subject/index.ts';

const Brief = z.object({ title: z.string(), paragraphs: z.array(z.string()) });

/** A writer on the AI SDK's Responses model: one call, a structured brief. */
export default defineSubject({
  id: 'aisdk-responses-writer',
  description:
    'AI SDK generateText over the Responses API (provider(model)): one call with Output.object {title, paragraphs}.',
  inputSchema: z.strictObject({ topic: z.string().min(1) }),
  outputSchema: Brief.extend({ paragraphs: z.array(z.string().min(1)).min(1, 'a brief needs at least one paragraph') }),
  async run(ctx) {
    const lab = aiSdkLab(ctx, { agent: 'aisdk-responses-writer' });
    const { output } = await lab.generateText({
      model: lab.provider(ctx.model),
      prompt: `Write a short brief about ${ctx.input.topic}.`,
      output: Output.object({ schema: Brief }),
    });
    return output;
  },
});
