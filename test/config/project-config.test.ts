import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configEnv, findConfigFile, readProjectConfig } from '../../src/config/project-config.ts';
import { ROOT, runMain } from '../helpers/run-cli.ts';

/** A project of its own outside the repository: lab.config.json, a subject in agents/, scenarios in cases/. */
async function project(config: object): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lab-config-'));
  await mkdir(path.join(dir, 'agents'));
  await mkdir(path.join(dir, 'cases'));
  await mkdir(path.join(dir, 'deep', 'er'), { recursive: true });
  const subject = await readFile(path.join(ROOT, 'subjects', 'calculator-agent.ts'), 'utf8');
  await writeFile(
    path.join(dir, 'agents', 'calculator-agent.ts'),
    subject.replace('../src/subject/index.ts', path.join(ROOT, 'src/subject/index.ts')),
  );
  for (const id of ['calculator-correct', 'calculator-division-by-zero', 'calculator-misreports-result'])
    await cp(path.join(ROOT, 'scenarios', `${id}.json`), path.join(dir, 'cases', `${id}.json`));
  await writeFile(path.join(dir, 'lab.config.json'), JSON.stringify(config));
  // The subject imports zod and openai, as a project's would from its own node_modules.
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

const runsIn = async (dir: string) =>
  existsSync(path.join(dir, 'records')) ? (await readdir(path.join(dir, 'records'))).length : 0;

describe('the project config', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await project({ subjects: 'agents', scenarios: 'cases', store: 'files', dir: 'traces', concurrency: 2 });
  });

  it('is found from the working directory upward, and its folders are relative to it', async () => {
    expect(findConfigFile(path.join(dir, 'deep', 'er'))).toBe(path.join(dir, 'lab.config.json'));
    const env = configEnv(await readProjectConfig(path.join(dir, 'lab.config.json')));
    expect(env).toMatchObject({
      LAB_SUBJECTS: path.join(dir, 'agents'),
      LAB_SCENARIOS: path.join(dir, 'cases'),
      LAB_STORE: 'files',
      LAB_DIR: path.join(dir, 'traces'),
      LAB_CONCURRENCY: '2',
    });
  });

  it("capture, scenarios, subjects and failures use the project's subjects, scenarios and store from a subfolder", async () => {
    const cwd = path.join(dir, 'deep', 'er');
    const capture = await runMain(['capture'], { cwd });
    expect(capture.code, capture.stderr).toBe(0);
    expect(capture.stdout).toMatch(/3\/3/);
    expect(await runsIn(path.join(dir, 'traces'))).toBeGreaterThan(0);
    const scenarios = await runMain(['scenarios', '--json'], { cwd });
    expect(scenarios.code, scenarios.stderr).toBe(0);
    expect(scenarios.stdout.trim().split('\n')).toHaveLength(3);
    const subjects = await runMain(['subjects', '--json'], { cwd });
    expect(
      subjects.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(['calculator-agent']);
    const failures = await runMain(['failures', 'list', '--json'], { cwd });
    expect(failures.code, failures.stderr).toBe(0);
    expect(failures.stdout).toMatch(/calculator-division-by-zero/);
    const exported = await runMain(['export'], { cwd });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/calculator-correct/);
  });

  it('flags win over the environment, which wins over the config', async () => {
    const fromEnv = path.join(dir, 'env-traces');
    const fromFlag = path.join(dir, 'flag-traces');
    const env = await runMain(['capture', '--filter', 'correct'], { cwd: dir, env: { LAB_DIR: fromEnv } });
    expect(env.code, env.stderr).toBe(0);
    expect(await runsIn(fromEnv)).toBeGreaterThan(0);
    const flag = await runMain(['capture', '--filter', 'correct', '--dir', fromFlag], {
      cwd: dir,
      env: { LAB_DIR: fromEnv },
    });
    expect(flag.code, flag.stderr).toBe(0);
    expect(await runsIn(fromFlag)).toBeGreaterThan(0);
  });

  it('--config FILE names a config elsewhere; --subjects DIR overrides its subjects', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'lab-config-cwd-'));
    const run = await runMain(['scenarios', '--config', path.join(dir, 'lab.config.json')], { cwd: elsewhere });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/3 scenarios, 1 subjects/);
    const empty = path.join(elsewhere, 'no-subjects');
    await mkdir(empty);
    const missing = await runMain(['scenarios', '--config', path.join(dir, 'lab.config.json'), '--subjects', empty], {
      cwd: elsewhere,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/calculator-agent/);
  });

  it('a config with an unknown key or a bad value is exit 2, naming the file and the key', async () => {
    const bad = await project({ subjects: 'agents', stor: 'files' });
    const run = await runMain(['capture'], { cwd: bad });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(path.join(bad, 'lab.config.json'));
    expect(run.stderr).toMatch(/stor/);
    const missing = await runMain(['capture', '--config', path.join(bad, 'nope.json')], { cwd: bad });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json does not exist/);
  });

  it('ledger settings and recordReplies come from the config', async () => {
    const withLedger = await project({
      subjects: 'agents',
      scenarios: 'cases',
      store: 'files',
      dir: 'traces',
      recordReplies: true,
      ledger: { enabled: false },
    });
    const run = await runMain(['capture'], { cwd: withLedger });
    expect(run.code, run.stderr).toBe(0);
    const failures = await runMain(['failures', 'list', '--json'], { cwd: withLedger });
    expect(failures.stdout.trim()).toBe('');
    const exported = await runMain(['export', '--type', 'trace_record'], { cwd: withLedger });
    const records = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.every((r) => r.replay)).toBe(true);
  });

  it('failures reproduce writes beside the scenario the run came from, with a $schema that resolves from there; prevent verifies it', async () => {
    const repro = await project({
      subjects: 'agents',
      scenarios: 'cases',
      store: 'files',
      dir: 'traces',
      recordReplies: true,
    });
    expect((await runMain(['capture'], { cwd: repro })).code).toBe(0);
    // (A tool's error is replayed as a plain Error, so the division by zero would not keep its fingerprint.)
    const failure = (await runMain(['failures', 'list', '--json'], { cwd: repro })).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((f) => f.failure_description.summary.includes('misreports'));
    const run = await runMain(['failures', 'reproduce', failure.failure_id, '--json'], {
      cwd: path.join(repro, 'deep'),
    });
    expect(run.code, run.stderr).toBe(0);
    const { file } = JSON.parse(run.stdout);
    expect(path.dirname(file)).toBe(path.join(repro, 'cases'));
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(path.resolve(path.dirname(file), written.$schema)).toBe(path.join(ROOT, 'schemas', 'scenario.schema.json'));
    const id = failure.failure_id;
    expect((await runMain(['failures', 'update', id, '--status', 'INVESTIGATING'], { cwd: repro })).code).toBe(0);
    expect(
      (await runMain(['failures', 'resolve', id, '--type', 'FIX', '--description', 'guarded'], { cwd: repro })).code,
    ).toBe(0);
    const prevent = await runMain(
      [
        'failures',
        'prevent',
        id,
        '--regression',
        file,
        '--control',
        path.join(repro, 'cases', 'calculator-correct.json'),
      ],
      { cwd: repro },
    );
    expect(prevent.code, prevent.stderr).toBe(0);
    expect(prevent.stdout).toMatch(/PREVENTED/);
  }, 180_000);
});
