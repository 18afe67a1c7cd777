import { copyFile, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './run-cli.ts';

/**
 * A folder with a copy of every shipped scenario whose subject runs in the lab's process (not a
 * command subject, which starts a process per run, nor an MCP subject): for tests that capture the whole corpus
 * several times at once and care about stores, not about process starts.
 */
export async function inProcessScenarios(): Promise<string> {
  const commandSubjects = new Set(
    (await readdir(path.join(ROOT, 'subjects')))
      .map((f) => /^(.+)\.subject\.(ya?ml|json)$/.exec(f)?.[1])
      .filter((id): id is string => id !== undefined),
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'in-process-scenarios-'));
  const source = path.join(ROOT, 'scenarios');
  for (const name of await readdir(source)) {
    if (!/\.(json|ya?ml)$/.test(name)) continue;
    const scenario = parse(await readFile(path.join(source, name), 'utf8')) as { subject?: string; tags?: unknown };
    // MCP scenarios start two processes per run too (the relay and the server: docs/chaos-mcp.md).
    const mcp = Array.isArray(scenario.tags) && scenario.tags.includes('mcp');
    if (!commandSubjects.has(String(scenario.subject)) && !mcp)
      await copyFile(path.join(source, name), path.join(dir, name));
  }
  return dir;
}

/**
 * Shipped scenarios that between them end every way (pass, timeout, exception, validation error,
 * hallucination flag), recover, fall back, run in a worker and run a command subject: for tests
 * that check what a capture prints or stores in every form, not each scenario's label (the whole
 * corpus's labels are checked by the golden file of test/cli/capture.test.ts and the determinism tests).
 */
export const EVERY_ENDING = [
  'calculator-correct',
  'calculator-division-by-zero',
  'calculator-misreports-result',
  'extractor-429-then-success',
  'extractor-missing-field',
  'extractor-rate-limited',
  'qa-citation-exists',
  'qa-cites-missing-doc',
  'qa-model-hangs',
  'planner-valid-plan',
  'planner-wrong-shape',
  'recovery-three-level-cascade',
  'recovery-default-fallback-wrong',
  'hostile-process-exit',
  'py-calc-control',
  'py-calc-invented-number',
  'rule-forecast-tool-timeout',
];

/** A folder with copies of the given shipped scenarios. */
export async function scenarioFolder(ids: readonly string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'scenarios-'));
  for (const id of ids) await copyFile(path.join(ROOT, 'scenarios', `${id}.json`), path.join(dir, `${id}.json`));
  return dir;
}
