import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scenarioSchemaRef } from './schema-ref.ts';

/** What `lab init` did to one file. */
export interface InitFile {
  file: string;
  action: 'wrote' | 'kept' | 'appended';
}

const SUBJECTS = 'lab/subjects';
const SCENARIOS = 'lab/scenarios';
const TRACES = '.lab-traces';

const CONFIG = `import { defineConfig } from 'agent-failure-lab';

// The lab's settings for this project (docs: node_modules/agent-failure-lab/docs/own-agent.md).
// Flags beat environment variables, which beat this file.
export default defineConfig({
  subjects: '${SUBJECTS}',
  scenarios: '${SCENARIOS}',
  store: 'files',
  dir: '${TRACES}',
  // Keep every model exchange, so \`lab failures reproduce\` can turn any failure into a scenario.
  recordReplies: true,
});
`;

const SUBJECT = `import type OpenAI from 'openai';
import { z } from 'zod';
import { defineSubject } from 'agent-failure-lab';

/** An ordinary agent function: it knows nothing of the lab. Replace it with (a call to) yours. */
export async function answerQuestion(
  client: OpenAI,
  model: string,
  question: string,
  signal?: AbortSignal,
): Promise<{ answer: string; confidence: number }> {
  const completion = await client.chat.completions.create(
    {
      model,
      messages: [
        { role: 'system', content: 'Answer as JSON: {"answer": string, "confidence": number from 0 to 1}.' },
        { role: 'user', content: question },
      ],
      response_format: { type: 'json_object' },
    },
    { signal },
  );
  return JSON.parse(completion.choices[0]?.message.content ?? 'null');
}

// The subject wraps it: the lab's recording client and the run's deadline go in, the answer comes out
// and is checked against outputSchema (a reply that breaks it is a validation_error).
export default defineSubject({
  id: 'example-agent',
  description: 'Answers a question as JSON with a confidence.',
  inputSchema: z.object({ question: z.string() }),
  outputSchema: z.object({ answer: z.string(), confidence: z.number().min(0).max(1) }),
  run: (ctx) => answerQuestion(ctx.client, ctx.model, ctx.input.question, ctx.signal),
});
`;

/** The example scenarios: one control and two failures the lab detects. */
function scenarios(folder: string): Record<string, object> {
  const $schema = scenarioSchemaRef(folder);
  const input = { question: 'How many days may I return an order?' };
  return {
    'example-control.json': {
      $schema,
      id: 'example-control',
      subject: 'example-agent',
      description: 'Control: the model answers as asked.',
      expected: null,
      input,
      model: { replies: [{ json: { answer: 'Within 30 days of delivery.', confidence: 0.9 } }] },
      tags: ['control'],
    },
    'example-missing-confidence.json': {
      $schema,
      id: 'example-missing-confidence',
      subject: 'example-agent',
      description: 'The model leaves out the confidence: the output breaks the schema.',
      expected: 'validation_error',
      input,
      model: { replies: [{ json: { answer: 'Within 30 days of delivery.' } }] },
    },
    'example-rate-limited.json': {
      $schema,
      id: 'example-rate-limited',
      subject: 'example-agent',
      description: 'The model answers 429 and the client does not retry: RateLimitError.',
      expected: 'exception',
      input,
      client: { max_retries: 0 },
      model: { replies: [{ fault: { status: 429 } }] },
    },
  };
}

/**
 * Writes a starting project into `root`: lab.config.ts, one subject wrapping an ordinary agent
 * function, three scenarios (one control) and a .gitignore entry for the files store. A file that
 * exists is kept as it is, never overwritten.
 */
export async function initProject(root: string): Promise<InitFile[]> {
  const done: InitFile[] = [];
  const write = async (relative: string, text: string) => {
    const file = path.join(root, relative);
    if (existsSync(file)) {
      done.push({ file, action: 'kept' });
      return;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
    done.push({ file, action: 'wrote' });
  };
  const hasConfig = ['lab.config.ts', 'lab.config.mts', 'lab.config.js', 'lab.config.mjs', 'lab.config.json'].find(
    (name) => existsSync(path.join(root, name)),
  );
  if (hasConfig) done.push({ file: path.join(root, hasConfig), action: 'kept' });
  else await write('lab.config.ts', CONFIG);
  await write(`${SUBJECTS}/example-agent.ts`, SUBJECT);
  for (const [name, scenario] of Object.entries(scenarios(path.join(root, SCENARIOS))))
    await write(`${SCENARIOS}/${name}`, `${JSON.stringify(scenario, null, 2)}\n`);
  const gitignore = path.join(root, '.gitignore');
  const current = existsSync(gitignore) ? await readFile(gitignore, 'utf8') : '';
  if (current.split(/\r?\n/).some((line) => line.trim().replace(/\/$/, '') === TRACES)) {
    done.push({ file: gitignore, action: 'kept' });
  } else {
    await appendFile(gitignore, `${current === '' || current.endsWith('\n') ? '' : '\n'}${TRACES}/\n`);
    done.push({ file: gitignore, action: current === '' ? 'wrote' : 'appended' });
  }
  return done;
}
