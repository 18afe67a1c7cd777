import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Scenario } from '../contracts/scenario.ts';
import { type ScenarioProblem, ScenarioSetError } from '../errors/scenario-set-error.ts';
import { formatPath } from '../internal/format-path.ts';
import { errorText } from '../internal/to-error.ts';
import type { Subject } from '../subject/subject.ts';
import { checkScenario } from './check-scenario.ts';
import { SubjectCatalog } from './load-subjects.ts';
import { isScenarioFile, parseScenarioFile, SCENARIO_EXTENSIONS, type ScenarioFile } from './scenario-file.ts';

/** A validated scenario and the file it came from. */
export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

/** Which scenarios a load returns; the others are read and checked up to their subject (see loadScenarios). */
export interface LoadScenariosOptions {
  select?: (scenario: Scenario) => boolean;
}

/**
 * Loads every scenario file in a folder (JSON or YAML) and checks it: syntax, the contract, that
 * its subject exists, duplicate ids, and (for the scenarios selected, all by default) what needs
 * the subject itself: its input, tool fixtures, grounding paths, the model script (see
 * checkScenario). Anything else in the folder is reported, never skipped. Every problem is reported
 * together, and nothing is returned unless the whole set is valid. Given a SubjectCatalog, only
 * the selected scenarios' subjects are imported.
 */
export async function loadScenarios(
  dir: string,
  subjects: ReadonlyMap<string, Subject> | SubjectCatalog,
  options: LoadScenariosOptions = {},
): Promise<LoadedScenario[]> {
  let entries: { name: string; isFile: boolean }[];
  try {
    entries = (await readdir(dir, { withFileTypes: true }))
      .map((e) => ({ name: e.name, isFile: e.isFile() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw new ScenarioSetError({
      problems: [
        { file: dir, path: '', message: `cannot read the scenario folder (${errorText(error)}); pass --scenarios DIR` },
      ],
    });
  }
  const problems: ScenarioProblem[] = [];
  for (const entry of entries.filter((e) => !e.isFile || !isScenarioFile(e.name))) {
    problems.push({
      file: path.join(dir, entry.name),
      path: '',
      message: entry.isFile
        ? `not a scenario file: scenario files end in ${SCENARIO_EXTENSIONS.join(', ')}; rename it or move it out of ${dir}`
        : `a folder: scenario files must sit directly in ${dir}; move its files up or out`,
    });
  }
  const names = entries.filter((e) => e.isFile && isScenarioFile(e.name)).map((e) => e.name);
  if (names.length === 0 && problems.length === 0)
    throw new ScenarioSetError({
      problems: [
        { file: dir, path: '', message: `no scenario files (${SCENARIO_EXTENSIONS.join(', ')}) in this folder` },
      ],
    });
  const known = subjects instanceof SubjectCatalog ? subjects.ids : [...subjects.keys()];
  const read: ReadScenario[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const before = problems.length;
    const one = readScenario(file, await readFile(file, 'utf8'), known, problems);
    if (!one || problems.length > before) continue;
    const other = seen.get(one.scenario.id);
    if (other) {
      problems.push({ file, path: 'id', message: `duplicate scenario id "${one.scenario.id}", also used by ${other}` });
      continue;
    }
    seen.set(one.scenario.id, file);
    read.push(one);
  }
  const selected = options.select ? read.filter((one) => options.select!(one.scenario)) : read;
  let loaded: ReadonlyMap<string, Subject> = subjects instanceof SubjectCatalog ? new Map() : subjects;
  if (subjects instanceof SubjectCatalog) {
    try {
      loaded = await subjects.load(new Set(selected.map((one) => one.scenario.subject)));
    } catch (error) {
      if (!(error instanceof ScenarioSetError)) throw error;
      problems.push(...error.problems);
    }
  }
  for (const one of selected) {
    const subject = loaded.get(one.scenario.subject);
    if (subject) checkAgainstSubject(one, subject, problems);
  }
  if (problems.length > 0) throw new ScenarioSetError({ problems });
  return selected.map(({ file, scenario }) => ({ file, scenario }));
}

/** Parses and checks one scenario file's text; problems are appended, and null returned when it is unusable. */
export function parseScenario(
  file: string,
  text: string,
  subjects: ReadonlyMap<string, Subject>,
  problems: ScenarioProblem[],
): Scenario | null {
  const one = readScenario(file, text, [...subjects.keys()], problems);
  if (!one) return null;
  const subject = subjects.get(one.scenario.subject);
  if (subject) checkAgainstSubject(one, subject, problems);
  return one.scenario;
}

interface ReadScenario {
  file: string;
  scenario: Scenario;
  lineOf: ScenarioFile['lineOf'];
}

/** Syntax, the contract and a known subject: what is checked without importing the subject. */
function readScenario(
  file: string,
  text: string,
  subjectIds: readonly string[],
  problems: ScenarioProblem[],
): ReadScenario | null {
  const parsedFile = parseScenarioFile(file, text);
  if (parsedFile.errors.length > 0) {
    for (const error of parsedFile.errors) problems.push({ file, path: '', line: error.line, message: error.message });
    return null;
  }
  const parsed = Scenario.safeParse(parsedFile.value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push({
        file,
        path: formatPath(issue.path),
        line: parsedFile.lineOf(issue.path),
        message: describeIssue(issue),
      });
    return null;
  }
  const scenario = parsed.data;
  if (!subjectIds.includes(scenario.subject)) {
    problems.push({
      file,
      path: 'subject',
      line: parsedFile.lineOf(['subject']),
      message: `unknown subject "${scenario.subject}". Available subjects: ${subjectIds.join(', ')}`,
    });
  }
  return { file, scenario, lineOf: parsedFile.lineOf };
}

function checkAgainstSubject(one: ReadScenario, subject: Subject, problems: ScenarioProblem[]): void {
  for (const problem of checkScenario(one.scenario, subject))
    problems.push({
      file: one.file,
      path: formatPath(problem.path),
      line: one.lineOf(problem.path),
      message: problem.message,
    });
}

function describeIssue(issue: { code: string; message: string; keys?: string[]; values?: unknown[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys)
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove or rename (see schemas/scenario.schema.json)`;
  return issue.message;
}
