import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Scenario } from '../../src/contracts/scenario.ts';
import { initProject } from '../../src/init/init-project.ts';
import { ROOT, runMain } from '../helpers/run-cli.ts';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'lab-init-'));

describe('lab init', () => {
  it('writes a config, a subject, three scenarios (one control) and a .gitignore entry, and prints the next commands', async () => {
    const dir = await tempDir();
    const run = await runMain(['init'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/npx lab capture/);
    for (const file of ['lab.config.ts', 'lab/subjects/example-agent.ts', '.gitignore'])
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('.lab-traces/\n');
    const scenarios = await Promise.all(
      ['example-control', 'example-missing-confidence', 'example-rate-limited'].map(async (id) =>
        Scenario.parse(JSON.parse(await readFile(path.join(dir, 'lab/scenarios', `${id}.json`), 'utf8'))),
      ),
    );
    expect(scenarios.filter((s) => s.expected === null)).toHaveLength(1);
    // The $schema resolves from the scenario's folder (here to this repository's schemas/).
    const ref = scenarios[0]!.$schema!;
    expect(path.resolve(dir, 'lab/scenarios', ref)).toBe(path.join(ROOT, 'schemas', 'scenario.schema.json'));
  });

  it('never overwrites: a second run keeps every file, and an existing .gitignore gets one line appended', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, '.gitignore'), 'node_modules');
    await writeFile(path.join(dir, 'lab.config.json'), '{"store": "memory"}');
    const first = await initProject(dir);
    expect(first.find((f) => f.file.endsWith('lab.config.json'))?.action).toBe('kept');
    expect(existsSync(path.join(dir, 'lab.config.ts'))).toBe(false);
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n.lab-traces/\n');
    await writeFile(path.join(dir, 'lab/subjects/example-agent.ts'), '// mine');
    const second = await initProject(dir);
    expect(second.every((f) => f.action === 'kept')).toBe(true);
    expect(await readFile(path.join(dir, 'lab/subjects/example-agent.ts'), 'utf8')).toBe('// mine');
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n.lab-traces/\n');
  });
});
