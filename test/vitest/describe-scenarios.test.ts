import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeScenarios, runScenarios } from '../../src/vitest/index.ts';
import { ROOT } from '../helpers/run-cli.ts';

// A project of its own: the calculator subject and two of its scenarios, a files store.
const dir = await mkdtemp(path.join(tmpdir(), 'lab-vitest-'));
await mkdir(path.join(dir, 'agents'));
await mkdir(path.join(dir, 'cases'));
const subject = await readFile(path.join(ROOT, 'subjects', 'calculator-agent.ts'), 'utf8');
await writeFile(
  path.join(dir, 'agents', 'calculator-agent.ts'),
  subject.replace('../src/subject/index.ts', path.join(ROOT, 'src/subject/index.ts')),
);
for (const id of ['calculator-correct', 'calculator-division-by-zero'])
  await cp(path.join(ROOT, 'scenarios', `${id}.json`), path.join(dir, 'cases', `${id}.json`));
await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
const config = path.join(dir, 'lab.config.json');
await writeFile(config, JSON.stringify({ subjects: 'agents', scenarios: 'cases', store: 'files', dir: 'traces' }));

describeScenarios({ config, name: 'the project scenarios' });

describe('after describeScenarios', () => {
  it('registered one test per scenario, named by id, and stored their runs in the config store', async () => {
    expect(existsSync(path.join(dir, 'traces', 'records'))).toBe(true);
    expect((await readdir(path.join(dir, 'traces', 'records'))).length).toBeGreaterThanOrEqual(2);
  });
});

describe('the matchers, on runs of hand-written tests', () => {
  it('toBeDetectedAs and toPass, and a failure message with the kind, the message and the evidence', async () => {
    const runs = await runScenarios({ config, filter: 'calculator' });
    const bad = runs.get('calculator-division-by-zero');
    expect(bad).toBeDetectedAs('exception');
    expect(runs.get('calculator-correct')).toPass();
    expect(bad).not.toPass();
    expect(() => expect(bad).toPass()).toThrow(/detected exception: .*division by zero[\s\S]*evidence/);
    expect(() => expect(runs.get('calculator-correct')).toBeDetectedAs('timeout')).toThrow(
      /expected a run detected as timeout, detected pass/,
    );
  });
});
