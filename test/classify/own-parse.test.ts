import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.ts';

// An agent that parses the model's reply itself, and one that checks a value of its own.
const SUBJECT = (id: string, parse: string) => `import { z } from 'zod';
import { defineSubject } from '${path.join(ROOT, 'src/subject/index.ts')}';
const Answer = z.object({ order_id: z.string(), status: z.enum(['shipped', 'pending']) });
export default defineSubject({
  id: '${id}',
  description: 'parses a reply',
  inputSchema: z.object({ question: z.string() }),
  outputSchema: z.unknown(),
  run: async (ctx) => {
    const completion = await ctx.client.chat.completions.create({ model: ctx.model, messages: [{ role: 'user', content: ctx.input.question }] });
    const content = completion.choices[0]?.message.content ?? '';
    ${parse}
  },
});
`;
const scenario = (subject: string) => ({
  id: subject,
  subject,
  description: subject,
  expected: 'validation_error',
  input: { question: 'Where is A-17?' },
  model: { replies: [{ json: { order_id: 'A-17', status: 'lost' } }] },
});

describe("a subject's own parse of a model reply", () => {
  it('is labelled model_output_schema, with its TRAIL category, when the value that failed is the recorded reply; a check of anything else stays subject_schema', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lab-own-parse-'));
    await mkdir(path.join(dir, 'subjects'));
    await mkdir(path.join(dir, 'scenarios'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    await writeFile(
      path.join(dir, 'subjects', 'own-parse.ts'),
      SUBJECT('own-parse', 'return Answer.parse(JSON.parse(content));'),
    );
    await writeFile(
      path.join(dir, 'subjects', 'own-check.ts'),
      SUBJECT('own-check', "return z.object({ retries: z.number() }).parse({ retries: 'three', seen: content });"),
    );
    for (const id of ['own-parse', 'own-check'])
      await writeFile(path.join(dir, 'scenarios', `${id}.json`), JSON.stringify(scenario(id)));
    await writeFile(
      path.join(dir, 'lab.config.json'),
      JSON.stringify({ subjects: 'subjects', scenarios: 'scenarios', store: 'files', dir: 'traces' }),
    );
    const capture = await runCli(['capture'], { cwd: dir });
    expect(capture.code, capture.stdout + capture.stderr).toBe(0);
    const traces = (await runCli(['export', '--type', 'trace_record'], { cwd: dir })).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const own = traces.find((t) => t.scenario_id === 'own-parse');
    expect(own.failure.validation.source).toBe('model_output_schema');
    expect(own.failure.taxonomy.trail).not.toBeNull();
    const check = traces.find((t) => t.scenario_id === 'own-check');
    expect(check.failure.validation.source).toBe('subject_schema');
  });
});
