import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Scenario } from '../contracts/scenario.ts';
import { type ScenarioProblem, ScenarioSetError } from '../errors/scenario-set-error.ts';
import { formatPath } from '../internal/format-path.ts';
import type { Subject } from '../subject/subject.ts';

/** A validated scenario and the file it came from. */
export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

/**
 * Loads every *.json scenario in a folder and checks it all: syntax, the contract, the subject,
 * its input, its tool fixtures, duplicate ids. Every problem is reported together, and nothing
 * is returned unless the whole set is valid.
 */
export async function loadScenarios(dir: string, subjects: ReadonlyMap<string, Subject>): Promise<LoadedScenario[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch (error) {
    throw new ScenarioSetError({ problems: [{ file: dir, path: '', message: `cannot read the scenario folder (${(error as Error).message}); pass --scenarios DIR` }] });
  }
  if (names.length === 0) throw new ScenarioSetError({ problems: [{ file: dir, path: '', message: 'no *.json scenario files in this folder' }] });
  const problems: ScenarioProblem[] = [];
  const loaded: LoadedScenario[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const before = problems.length;
    const scenario = parseScenario(file, await readFile(file, 'utf8'), subjects, problems);
    if (!scenario || problems.length > before) continue;
    const other = seen.get(scenario.id);
    if (other) {
      problems.push({ file, path: 'id', message: `duplicate scenario id "${scenario.id}", also used by ${other}` });
      continue;
    }
    seen.set(scenario.id, file);
    loaded.push({ file, scenario });
  }
  if (problems.length > 0) throw new ScenarioSetError({ problems });
  return loaded;
}

/** Parses and checks one scenario file's text; problems are appended, and null returned when it is unusable. */
export function parseScenario(file: string, text: string, subjects: ReadonlyMap<string, Subject>, problems: ScenarioProblem[]): Scenario | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    problems.push({ file, path: '', message: `not valid JSON: ${(error as Error).message}` });
    return null;
  }
  const parsed = Scenario.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ file, path: formatPath(issue.path), message: describeIssue(issue) });
    return null;
  }
  const scenario = parsed.data;
  const subject = subjects.get(scenario.subject);
  if (!subject) {
    problems.push({ file, path: 'subject', message: `unknown subject "${scenario.subject}". Available subjects: ${[...subjects.keys()].join(', ')}` });
    return scenario;
  }
  const input = subject.inputSchema.safeParse(scenario.input);
  if (!input.success) {
    for (const issue of input.error.issues) problems.push({ file, path: formatPath(['input', ...issue.path]), message: `${issue.message} (checked against ${subject.id}'s input schema)` });
  }
  const declared = (subject.tools ?? []).map((t) => t.name);
  for (const tool of Object.keys(scenario.tools)) {
    if (!declared.includes(tool)) problems.push({ file, path: `tools.${tool}`, message: `${subject.id} declares no tool "${tool}". Available tools: ${declared.join(', ') || '(none)'}` });
  }
  return scenario;
}

function describeIssue(issue: { code: string; message: string; keys?: string[]; values?: unknown[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove or rename (see schemas/scenario.schema.json)`;
  return issue.message;
}
