import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Scenario } from '../contracts/scenario.ts';
import { type ScenarioProblem, ScenarioSetError } from '../errors/scenario-set-error.ts';
import { formatPath } from '../internal/format-path.ts';
import { errorText } from '../internal/to-error.ts';
import type { Subject } from '../subject/subject.ts';
import { checkScenario } from './check-scenario.ts';
import { isScenarioFile, parseScenarioFile, SCENARIO_EXTENSIONS } from './scenario-file.ts';

/** A validated scenario and the file it came from. */
export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

/**
 * Loads every scenario file in a folder (JSON or YAML) and checks it all: syntax, the contract,
 * the subject and its input, tool fixtures, grounding paths, the model script (see
 * checkScenario), duplicate ids. Anything else in the folder is reported, never skipped. Every
 * problem is reported together, and nothing is returned unless the whole set is valid.
 */
export async function loadScenarios(dir: string, subjects: ReadonlyMap<string, Subject>): Promise<LoadedScenario[]> {
  let entries: { name: string; isFile: boolean }[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).map((e) => ({ name: e.name, isFile: e.isFile() })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw new ScenarioSetError({ problems: [{ file: dir, path: '', message: `cannot read the scenario folder (${errorText(error)}); pass --scenarios DIR` }] });
  }
  const problems: ScenarioProblem[] = [];
  for (const entry of entries.filter((e) => !e.isFile || !isScenarioFile(e.name))) {
    problems.push({ file: path.join(dir, entry.name), path: '', message: entry.isFile ? `not a scenario file: scenario files end in ${SCENARIO_EXTENSIONS.join(', ')}; rename it or move it out of ${dir}` : `a folder: scenario files must sit directly in ${dir}; move its files up or out` });
  }
  const names = entries.filter((e) => e.isFile && isScenarioFile(e.name)).map((e) => e.name);
  if (names.length === 0 && problems.length === 0) throw new ScenarioSetError({ problems: [{ file: dir, path: '', message: `no scenario files (${SCENARIO_EXTENSIONS.join(', ')}) in this folder` }] });
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
  const parsedFile = parseScenarioFile(file, text);
  if (parsedFile.errors.length > 0) {
    for (const error of parsedFile.errors) problems.push({ file, path: '', line: error.line, message: error.message });
    return null;
  }
  const parsed = Scenario.safeParse(parsedFile.value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ file, path: formatPath(issue.path), line: parsedFile.lineOf(issue.path), message: describeIssue(issue) });
    return null;
  }
  const scenario = parsed.data;
  const subject = subjects.get(scenario.subject);
  if (!subject) {
    problems.push({ file, path: 'subject', line: parsedFile.lineOf(['subject']), message: `unknown subject "${scenario.subject}". Available subjects: ${[...subjects.keys()].join(', ')}` });
    return scenario;
  }
  for (const problem of checkScenario(scenario, subject)) problems.push({ file, path: formatPath(problem.path), line: parsedFile.lineOf(problem.path), message: problem.message });
  return scenario;
}

function describeIssue(issue: { code: string; message: string; keys?: string[]; values?: unknown[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove or rename (see schemas/scenario.schema.json)`;
  return issue.message;
}
