import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.ts';

// An agent that builds its own OpenAI client (it knows nothing of the lab), given this run's
// endpoint by its subject: docs/own-agent.md, "An agent that builds its own client".
const AGENT = `import OpenAI from 'openai';
export async function classify(options: { baseURL: string; apiKey: string; fetch?: typeof fetch }, text: string) {
  const client = new OpenAI({ ...options, maxRetries: 0 });
  const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: text }] });
  return JSON.parse(completion.choices[0]?.message.content ?? 'null');
}
`;
const SUBJECT = `import { z } from 'zod';
import { defineSubject } from '${path.join(ROOT, 'src/subject/index.ts')}';
import { classify } from '../agent.ts';
export default defineSubject({
  id: 'own-client-agent',
  description: 'Builds its own client from the run endpoint.',
  inputSchema: z.object({ text: z.string() }),
  outputSchema: z.object({ label: z.enum(['spam', 'ham']) }),
  run: (ctx) => classify({ baseURL: ctx.endpoint.baseURL, apiKey: ctx.endpoint.apiKey, fetch: ctx.endpoint.fetch }, ctx.input.text),
});
`;
const scenario = (id: string, expected: string | null, label: string) => ({
  id,
  subject: 'own-client-agent',
  description: id,
  expected,
  input: { text: 'win a prize' },
  model: { replies: [{ json: { label } }] },
});

describe('a subject whose agent builds its own client from the run endpoint', () => {
  it('gets its own script per run (runs at once), and every exchange is recorded as a model_call step', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lab-own-client-'));
    await mkdir(path.join(dir, 'subjects'));
    await mkdir(path.join(dir, 'scenarios'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    await writeFile(path.join(dir, 'agent.ts'), AGENT);
    await writeFile(path.join(dir, 'subjects', 'own-client-agent.ts'), SUBJECT);
    await writeFile(path.join(dir, 'scenarios', 'spam.json'), JSON.stringify(scenario('spam', null, 'spam')));
    await writeFile(path.join(dir, 'scenarios', 'ham.json'), JSON.stringify(scenario('ham', null, 'ham')));
    await writeFile(
      path.join(dir, 'scenarios', 'bad.json'),
      JSON.stringify(scenario('bad', 'validation_error', 'eggs')),
    );
    await writeFile(
      path.join(dir, 'lab.config.json'),
      JSON.stringify({ subjects: 'subjects', scenarios: 'scenarios', store: 'files', dir: 'traces', concurrency: 3 }),
    );
    const capture = await runCli(['capture', '--json'], { cwd: dir });
    expect(capture.code, capture.stderr).toBe(0);
    const exported = await runCli(['export', '--type', 'trace_record'], { cwd: dir });
    const traces = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(traces).toHaveLength(3);
    for (const trace of traces) {
      const calls = trace.steps.filter((s: { type: string }) => s.type === 'model_call');
      expect(calls, trace.scenario_id).toHaveLength(1);
      expect(calls[0].http_status).toBe(200);
    }
  });
});
