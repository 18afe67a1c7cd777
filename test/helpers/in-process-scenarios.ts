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
