import { type Dirent, constants as fsConstants, type Stats } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { Scenario } from '../contracts/scenario.ts';
import { type ScenarioProblem, ScenarioSetError } from '../errors/scenario-set-error.ts';
import { formatPath } from '../internal/format-path.ts';
import { errorText } from '../internal/to-error.ts';
import type { Subject } from '../subject/subject.ts';
import { variantScenarios } from '../chaos/expand-variants.ts';
import { checkScenario } from './check-scenario.ts';
import { SubjectCatalog } from './load-subjects.ts';
import { knownKeysAt, nearestKey } from './nearest-key.ts';
import {
  decodeScenarioBytes,
  isScenarioFile,
  parseScenarioFile,
  SCENARIO_EXTENSIONS,
  type ScenarioFile,
} from './scenario-file.ts';
import { printable, QUOTE_CHARS, quote } from './terminal-text.ts';

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
  let entries: Dirent[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  } catch (error) {
    throw scenarioSetError([
      { file: dir, path: '', message: `cannot read the scenario folder (${errorText(error)}); pass --scenarios DIR` },
    ]);
  }
  const problems: ScenarioProblem[] = [];
  const names: string[] = [];
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    const refusal = await whyNotRead(file, entry, dir);
    if (refusal) problems.push({ file, path: '', message: refusal });
    else names.push(entry.name);
  }
  if (names.length === 0 && problems.length === 0)
    throw scenarioSetError([
      { file: dir, path: '', message: `no scenario files (${SCENARIO_EXTENSIONS.join(', ')}) in this folder` },
    ]);
  const known = subjects instanceof SubjectCatalog ? subjects.ids : [...subjects.keys()];
  const read: ReadScenario[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const before = problems.length;
    const text = await readScenarioText(file, dir, problems);
    if (text === null) continue;
    const one = readScenario(file, text, known, problems);
    if (!one || problems.length > before) continue;
    const other = seen.get(one.scenario.id);
    if (other) {
      problems.push({
        file,
        path: 'id',
        line: one.lineOf(['id']),
        message: `duplicate scenario id ${quote(one.scenario.id)}, also used by ${other}: rename one`,
      });
      continue;
    }
    seen.set(one.scenario.id, file);
    read.push(one);
    if (one.scenario.variants) {
      // Each variant runs as a scenario of its own (docs/chaos.md); its problems are the baseline file's.
      const variants = variantScenarios(one.scenario);
      for (const problem of variants.problems)
        problems.push({
          file,
          path: pathText(problem.path),
          line: lineNear(one, problem.path),
          message: problem.message,
        });
      for (const scenario of variants.scenarios) read.push({ ...one, scenario, baseline: one });
    }
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
  // A variant is checked as its baseline: the baseline's file is what the user fixes.
  for (const one of new Set(selected.map((one) => one.baseline ?? one))) {
    const subject = loaded.get(one.scenario.subject);
    if (subject) checkAgainstSubject(one, subject, problems);
  }
  if (problems.length > 0) throw scenarioSetError(problems);
  return selected.map(({ file, scenario }) => ({ file, scenario }));
}

/** Parses and checks one scenario file's text; problems are appended, and null returned when it is unusable. */
export function parseScenario(
  file: string,
  text: string,
  subjects: ReadonlyMap<string, Subject>,
  problems: ScenarioProblem[],
): Scenario | null {
  const before = problems.length;
  const one = readScenario(file, text, [...subjects.keys()], problems);
  const subject = one && subjects.get(one.scenario.subject);
  if (one && subject) checkAgainstSubject(one, subject, problems);
  problems.splice(before, Infinity, ...scenarioSetError(problems.slice(before)).problems);
  return one?.scenario ?? null;
}

interface ReadScenario {
  file: string;
  scenario: Scenario;
  lineOf: ScenarioFile['lineOf'];
  /** For a variant: the scenario it varies. */
  baseline?: ReadScenario;
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
    for (const error of parsedFile.errors)
      problems.push({ file, path: pathText(error.path ?? []), line: error.line, message: error.message });
    return null;
  }
  const parsed = Scenario.safeParse(parsedFile.value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        problems.push(...unknownKeys(file, issue.path, issue.keys, parsedFile));
        continue;
      }
      problems.push({
        file,
        path: pathText(issue.path),
        line: lineNear(parsedFile, issue.path),
        message: issue.message,
      });
    }
    return null;
  }
  const scenario = parsed.data;
  if (!subjectIds.includes(scenario.subject)) {
    problems.push({
      file,
      path: 'subject',
      line: parsedFile.lineOf(['subject']),
      message: `unknown subject ${quote(scenario.subject)}${suggestion(scenario.subject, subjectIds)}. Available subjects: ${subjectIds.join(', ')}`,
    });
  }
  return { file, scenario, lineOf: parsedFile.lineOf };
}

function checkAgainstSubject(one: ReadScenario, subject: Subject, problems: ScenarioProblem[]): void {
  for (const problem of checkScenario(one.scenario, subject))
    problems.push({
      file: one.file,
      path: pathText(problem.path),
      line: one.lineOf(problem.path),
      message: problem.message,
    });
}

/** A path as the file writes it ("model.replies[0]"), each key cut to QUOTE_CHARS: keys come from the file and may be huge. */
function pathText(at: readonly PropertyKey[]): string {
  return formatPath(
    at.map((key) => (typeof key === 'string' && key.length > QUOTE_CHARS ? `${key.slice(0, QUOTE_CHARS)}…` : key)),
  );
}

/** The line of a path, or of the nearest enclosing value in the file (a missing key is reported at its object). */
function lineNear(parsedFile: Pick<ScenarioFile, 'lineOf'>, at: readonly PropertyKey[]): number | null {
  for (let n = at.length; n >= 0; n--) {
    const line = parsedFile.lineOf(at.slice(0, n));
    if (line !== null) return line;
  }
  return null;
}

/**
 * One problem per unknown key, at the key's own line, with the known key it most likely meant.
 * (zod reports them together, at the object that holds them.)
 */
function unknownKeys(
  file: string,
  at: readonly PropertyKey[],
  keys: readonly string[],
  parsedFile: ScenarioFile,
): ScenarioProblem[] {
  const known = knownKeysAt(Scenario, at, parsedFile.value);
  return keys.map((key) => ({
    file,
    path: pathText([...at, key]),
    line: parsedFile.lineOfKey([...at, key]),
    message: `unknown key ${quote(key)}${suggestion(key, known)}: rename or remove it (the keys are in schemas/scenario.schema.json)`,
  }));
}

/** ' (did you mean "model"?)' for the known name nearest to a misspelt one, or "". */
function suggestion(name: string, known: readonly string[]): string {
  const near = nearestKey(name, known);
  return near === null ? '' : ` (did you mean ${quote(near)}?)`;
}

/**
 * Why a folder entry is not read as a scenario file, or null when it is. A symbolic link to a
 * file is read as that file (a shared scenario may be linked in); links to anything else, and
 * anything that is not a regular file, are named for what they are. A FIFO is never opened:
 * reading one waits for a writer.
 */
async function whyNotRead(file: string, entry: Dirent, dir: string): Promise<string | null> {
  const away = `remove it or move it out of ${dir}`;
  if (entry.isSymbolicLink()) {
    const target = await readlink(file).catch(() => '?');
    let stats: Stats;
    try {
      stats = await stat(file);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      return `a symbolic link to ${target}, which ${missing ? 'does not exist' : `cannot be followed (${errorText(error)})`}: fix the link or remove it`;
    }
    if (stats.isDirectory())
      return `a symbolic link to a folder (${target}): scenario files must sit directly in ${dir}; link the files themselves, or ${away}`;
    if (!stats.isFile()) return `a symbolic link to ${kindOf(stats)} (${target}), not to a file: ${away}`;
  } else if (entry.isDirectory()) {
    return `a folder: scenario files must sit directly in ${dir}; move its files up or out`;
  } else if (!entry.isFile()) {
    return `${kindOf(entry)}, not a file: it is not read; ${away}`;
  }
  if (!isScenarioFile(entry.name))
    return `not a scenario file: scenario files end in ${SCENARIO_EXTENSIONS.join(', ')}; rename it or move it out of ${dir}`;
  return null;
}

function kindOf(entry: Dirent | Stats): string {
  if (entry.isFIFO()) return 'a named pipe (FIFO)';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice() || entry.isBlockDevice()) return 'a device';
  if (entry.isDirectory()) return 'a folder';
  return 'something that is not a file';
}

/** A scenario file's text, or null with a problem when it cannot be read or is not UTF-8. */
async function readScenarioText(file: string, dir: string, problems: ScenarioProblem[]): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    // Non-blocking: a FIFO put in a file's place after the folder was listed reads as empty instead of hanging.
    bytes = await readFile(file, { flag: fsConstants.O_RDONLY | fsConstants.O_NONBLOCK });
  } catch (error) {
    problems.push({
      file,
      path: '',
      message: `cannot read this file (${errorText(error)}): make it readable (chmod a+r), or move it out of ${dir}`,
    });
    return null;
  }
  const decoded = decodeScenarioBytes(bytes);
  if ('error' in decoded) {
    problems.push({ file, path: '', line: decoded.error.line, message: decoded.error.message });
    return null;
  }
  return decoded.text;
}

/**
 * The error for a set of problems, made safe to print: control characters in file names, keys
 * and values are escaped (an ANSI sequence in a file name would otherwise reach the terminal).
 */
function scenarioSetError(problems: readonly ScenarioProblem[]): ScenarioSetError {
  return new ScenarioSetError({
    problems: problems.map((p) => ({
      ...p,
      file: printable(p.file),
      path: printable(p.path),
      message: printable(p.message),
    })),
  });
}
