// The done-when test of issue 19: the packed tarball installed into a fresh project outside the
// repository, from the registry (the real openai, zod and vitest), used as a user would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'lab-install-'));
const project = path.join(work, 'shop');
// The Node running the tests (24) first on PATH, so npx and the bin's `#!/usr/bin/env node` use it.
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(VITEST|TEST$|NODE_OPTIONS$|LAB_|npm_)/.test(k)),
);
env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`;
env.NO_COLOR = '1';

function run(command: string, args: string[], cwd = project) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, ms: performance.now() - started };
}
const lab = (...args: string[]) => run('npx', ['--no-install', 'lab', ...args]);
const expectOk = (r: ReturnType<typeof run>) => expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);

function sizeOf(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(path.join(dir, name), { throwIfNoEntry: false });
    if (s?.isFile()) total += s.size;
  }
  return total;
}

/** An agent that knows nothing of the lab: a function taking an OpenAI client, parsing its reply itself. */
const ORDER_AGENT = `import type OpenAI from 'openai';
import { z } from 'zod';

export const Answer = z.object({ order_id: z.string(), status: z.enum(['shipped', 'pending', 'cancelled']) });

export async function orderStatus(client: OpenAI, model: string, question: string) {
  const completion = await client.chat.completions.create({
    model,
    messages: [
      { role: 'system', content: 'Reply as JSON: {"order_id": string, "status": "shipped" | "pending" | "cancelled"}.' },
      { role: 'user', content: question },
    ],
    response_format: { type: 'json_object' },
  });
  const content = completion.choices[0]?.message.content ?? '';
  return Answer.parse(JSON.parse(content));
}
`;

const ORDER_SUBJECT = `import { z } from 'zod';
import { defineSubject } from 'agent-failure-lab';
import { Answer, orderStatus } from '../../src/order-agent.ts';

export default defineSubject({
  id: 'order-agent',
  description: 'Tells the status of an order.',
  inputSchema: z.object({ question: z.string() }),
  outputSchema: Answer,
  run: (ctx) => orderStatus(ctx.client, ctx.model, ctx.input.question),
});
`;

/** The second shape: an agent that builds its own client from OPENAI_BASE_URL and OPENAI_API_KEY, inside its function. */
const SPAM_AGENT = `import OpenAI from 'openai';

export async function classify(text: string): Promise<{ label: string }> {
  const client = new OpenAI();
  const completion = await client.chat.completions.create({
    model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
    messages: [{ role: 'user', content: text }],
  });
  return JSON.parse(completion.choices[0]?.message.content ?? 'null');
}
`;

const SPAM_SUBJECT = `import { z } from 'zod';
import { defineSubject } from 'agent-failure-lab';
import { classify } from '../../src/spam-filter.ts';

export default defineSubject({
  id: 'spam-filter',
  description: 'Labels a message spam or ham, with a client of its own.',
  inputSchema: z.object({ text: z.string() }),
  outputSchema: z.object({ label: z.enum(['spam', 'ham']) }),
  run: (ctx) => classify(ctx.input.text),
});
`;

/** The third shape, through the adapters the package exports: an Agents SDK agent and an AI SDK agent, with a tool. */
const TOOL = `defineTool<{ order_id: string }>({
  name: 'order_status',
  description: 'The status of an order.',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false },
  run: ({ order_id }) => ({ order_id, status: 'shipped' }),
})`;

const DESK_SUBJECT = `import { z } from 'zod';
import { defineSubject, defineTool } from 'agent-failure-lab';
import { Agent, agentsLab } from 'agent-failure-lab/openai-agents';

export default defineSubject({
  id: 'desk-agents',
  description: 'An OpenAI Agents SDK agent answering about orders.',
  inputSchema: z.object({ question: z.string() }),
  outputSchema: z.object({ reply: z.string().min(1) }),
  tools: [${TOOL}],
  async run(ctx) {
    const lab = agentsLab(ctx);
    const desk = new Agent({ name: 'Desk', instructions: 'Answer about orders.', tools: lab.tools() });
    const { finalOutput } = await lab.run(desk, ctx.input.question);
    return { reply: String(finalOutput ?? '') };
  },
});
`;

const AISDK_SUBJECT = `import { z } from 'zod';
import { defineSubject, defineTool } from 'agent-failure-lab';
import { aiSdkLab } from 'agent-failure-lab/ai-sdk';

export default defineSubject({
  id: 'desk-aisdk',
  description: 'An AI SDK agent answering about orders.',
  inputSchema: z.object({ question: z.string() }),
  outputSchema: z.object({ reply: z.string().min(1) }),
  tools: [${TOOL}],
  async run(ctx) {
    const lab = aiSdkLab(ctx, { agent: 'desk-aisdk' });
    const { text } = await lab.generateText({ model: lab.provider.chat(ctx.model), prompt: ctx.input.question, tools: lab.tools(), maxSteps: 3 });
    return { reply: text };
  },
});
`;

/** Scenarios of the other shapes: a control and a failure each. */
const SHAPE_SCENARIOS = [
  {
    id: 'spam-control',
    subject: 'spam-filter',
    expected: null,
    input: { text: 'win a prize' },
    model: { replies: [{ json: { label: 'spam' } }] },
  },
  {
    id: 'spam-unknown-label',
    subject: 'spam-filter',
    expected: 'validation_error',
    input: { text: 'hi' },
    model: { replies: [{ json: { label: 'eggs' } }] },
  },
  ...['desk-agents', 'desk-aisdk'].flatMap((subject) => [
    {
      id: `${subject}-control`,
      subject,
      expected: null,
      input: { question: 'Where is order A-17?' },
      model: {
        replies: [
          { tool_calls: [{ name: 'order_status', arguments: { order_id: 'A-17' } }] },
          { content: 'A-17 has shipped.' },
        ],
      },
    },
    {
      id: `${subject}-rate-limited`,
      subject,
      expected: 'exception',
      input: { question: 'Where is A-17?' },
      model: { replies: [{ fault: { status: 429 } }] },
    },
  ]),
].map((s) => ({ description: s.id, ...s }));

const orderScenario = (id: string, expected: string | null, reply: object) => ({
  id,
  subject: 'order-agent',
  description: `order-agent: ${id}`,
  expected,
  input: { question: 'Where is order A-17?' },
  model: { replies: [{ json: reply }] },
});

describe('the package, installed from its tarball into a project of its own', () => {
  const figures: Record<string, string> = {};
  beforeAll(() => {
    const pack = run('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    expectOk(pack);
    const [{ filename, size, unpackedSize }] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')));
    figures.tarball = `${(size / 1024).toFixed(0)} KB (${(unpackedSize / 1024 / 1024).toFixed(1)} MB unpacked)`;
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
    const install = run('npm', [
      'install',
      '--no-audit',
      '--no-fund',
      '--save-exact',
      path.join(work, filename),
      'openai@7.57.0',
      'zod@4.6.7',
      'vitest@5.1.1',
    ]);
    expectOk(install);
    figures.install = `${(sizeOf(path.join(project, 'node_modules')) / 1024 / 1024).toFixed(0)} MB node_modules, npm install ${(install.ms / 1000).toFixed(0)} s`;
  }, 600_000);
  afterAll(() => {
    console.log(`issue 19 figures: ${JSON.stringify(figures)}`);
    rmSync(work, { recursive: true, force: true });
  }, 300_000);

  it('lab init, then lab capture, exits 0; init never overwrites', () => {
    const init = lab('init');
    expectOk(init);
    expect(init.stdout).toMatch(/npx lab capture/);
    const capture = lab('capture');
    expectOk(capture);
    expect(capture.stdout).toMatch(/example-control/);
    const node = run(process.execPath, ['-e', '0']);
    figures.capture = `npx lab capture ${capture.ms.toFixed(0)} ms; node -e 0 ${node.ms.toFixed(0)} ms`;
    const again = lab('init');
    expectOk(again);
    expect(again.stdout).not.toMatch(/^wrote /m);
  }, 300_000);

  it('the installed lab command starts a capture again, in place, with the lab young generation', () => {
    // A preload noting each program the process runs (NODE_OPTIONS survives execve); see
    // test/cli/young-generation.test.ts.
    const probe = path.join(work, 'probe.mjs');
    const out = path.join(work, 'programs.jsonl');
    writeFileSync(
      probe,
      "import { appendFileSync } from 'node:fs';\nimport { isMainThread } from 'node:worker_threads';\nif (isMainThread) appendFileSync(process.env.PROBE_OUT, JSON.stringify({ pid: process.pid, execArgv: process.execArgv }) + '\\n');\n",
    );
    writeFileSync(out, '');
    const result = spawnSync('npx', ['--no-install', 'lab', 'capture', '--no-ledger'], {
      cwd: project,
      env: { ...env, PROBE_OUT: out, NODE_OPTIONS: `--import ${probe}` },
      encoding: 'utf8',
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const programs = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { pid: number; execArgv: string[] });
    // npx itself is a Node program too: the lab is the last two, one pid.
    const [before, after] = programs.slice(-2);
    expect(after!.execArgv).toContain('--max-semi-space-size=6');
    expect(before!.execArgv).not.toContain('--max-semi-space-size=6');
    expect(after!.pid).toBe(before!.pid);
  }, 300_000);

  it('captures agents of its own through the config, in the three shapes; failures reproduce and prevent work', () => {
    mkdirSync(path.join(project, 'src'));
    writeFileSync(path.join(project, 'src', 'order-agent.ts'), ORDER_AGENT);
    writeFileSync(path.join(project, 'src', 'spam-filter.ts'), SPAM_AGENT);
    const subjects = path.join(project, 'lab', 'subjects');
    writeFileSync(path.join(subjects, 'order-agent.ts'), ORDER_SUBJECT);
    writeFileSync(path.join(subjects, 'spam-filter.ts'), SPAM_SUBJECT);
    writeFileSync(path.join(subjects, 'desk-agents.ts'), DESK_SUBJECT);
    writeFileSync(path.join(subjects, 'desk-aisdk.ts'), AISDK_SUBJECT);
    const scenarios = path.join(project, 'lab', 'scenarios');
    for (const s of SHAPE_SCENARIOS) writeFileSync(path.join(scenarios, `${s.id}.json`), JSON.stringify(s));
    writeFileSync(
      path.join(scenarios, 'order-control.json'),
      JSON.stringify(orderScenario('order-control', null, { order_id: 'A-17', status: 'shipped' })),
    );
    writeFileSync(
      path.join(scenarios, 'order-unknown-status.json'),
      JSON.stringify(orderScenario('order-unknown-status', 'validation_error', { order_id: 'A-17', status: 'lost' })),
    );
    const capture = lab('capture', '--json');
    expectOk(capture);
    const lines = capture.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byScenario = new Map(lines.filter((l) => l.scenario).map((l) => [l.scenario, l]));
    for (const id of ['order-control', 'order-unknown-status', ...SHAPE_SCENARIOS.map((s) => s.id)])
      expect(byScenario.get(id), id).toMatchObject({ matched: true });
    // Every shape's exchanges, and the adapters' tool calls, are steps of its runs.
    const traces = lab('export', '--type', 'trace_record');
    expectOk(traces);
    const steps = new Map<string, string[]>(
      traces.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((t) => [
          t.scenario_id,
          t.steps.map((step: { type: string }) => step.type).filter((type: string) => type !== 'check'),
        ]),
    );
    expect(steps.get('spam-control')).toEqual(['model_call']);
    expect(steps.get('desk-agents-control')).toEqual(['model_call', 'tool_call', 'model_call']);
    expect(steps.get('desk-aisdk-control')).toEqual(['model_call', 'tool_call', 'model_call']);
    const failures = lab('failures', 'list', '--json');
    expectOk(failures);
    const failure = failures.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((f) => f.failure_description.summary.includes('order-unknown-status'));
    expect(failure).toBeDefined();
    const reproduce = lab('failures', 'reproduce', failure.failure_id, '--json');
    expectOk(reproduce);
    const { file } = JSON.parse(reproduce.stdout);
    expect(path.dirname(file)).toBe(scenarios);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(statSync(path.resolve(scenarios, written.$schema)).isFile()).toBe(true);
    expectOk(lab('failures', 'update', failure.failure_id, '--status', 'INVESTIGATING'));
    expectOk(
      lab('failures', 'resolve', failure.failure_id, '--type', 'FIX', '--description', 'unknown status handled'),
    );
    const prevent = lab(
      'failures',
      'prevent',
      failure.failure_id,
      '--regression',
      file,
      '--control',
      path.join(scenarios, 'order-control.json'),
    );
    expectOk(prevent);
    expect(prevent.stdout).toMatch(/PREVENTED/);
  }, 300_000);

  it('npx vitest run passes with describeScenarios, then fails once a scenario expects the wrong outcome', () => {
    writeFileSync(
      path.join(project, 'lab.test.ts'),
      "import { describeScenarios } from 'agent-failure-lab/vitest';\n\ndescribeScenarios();\n",
    );
    const pass = run('npx', ['--no-install', 'vitest', 'run', '--reporter', 'verbose']);
    expectOk(pass);
    expect(pass.stdout).toMatch(/example-control/);
    const control = path.join(project, 'lab', 'scenarios', 'example-control.json');
    const scenario = JSON.parse(readFileSync(control, 'utf8'));
    writeFileSync(control, JSON.stringify({ ...scenario, expected: 'exception' }));
    const fail = run('npx', ['--no-install', 'vitest', 'run', '--reporter', 'verbose']);
    expect(fail.code).toBe(1);
    expect(`${fail.stdout}${fail.stderr}`).toMatch(/example-control expected exception, detected pass/);
  }, 300_000);
});
