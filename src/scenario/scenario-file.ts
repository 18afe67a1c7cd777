import path from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { SCENARIO_BOUNDS } from '../contracts/scenario.ts';
import { quote } from './terminal-text.ts';

/** The file formats a scenario may be written in, by extension. */
export const SCENARIO_EXTENSIONS = ['.json', '.yaml', '.yml'] as const;

/** How many times a YAML file may expand an alias (yaml's maxAliasCount): more is an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

/** One syntax problem: nothing else can be checked until it is fixed. */
export interface ScenarioFileError {
  line: number | null;
  /** Where in the file ("input.a[0]"), when the problem is at a value; absent for the file as a whole. */
  path?: (string | number)[];
  message: string;
}

/** A scenario file's text, parsed: its value, or the syntax errors with their lines; and a way to find a path's line. */
export interface ScenarioFile {
  value: unknown;
  /** Syntax errors: nothing else can be checked until they are fixed. */
  errors: ScenarioFileError[];
  /** The line where the value at a path starts (1-based), or null when the path is not in the file. */
  lineOf(path: readonly PropertyKey[]): number | null;
  /** The line of a key itself (the last element of the path), for a problem with the key rather than its value. */
  lineOfKey(path: readonly PropertyKey[]): number | null;
}

/** True for a file name scenario loading reads. */
export function isScenarioFile(name: string): boolean {
  return (SCENARIO_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

/**
 * A scenario file's bytes as text. They must be UTF-8: a byte that is not is an error naming its
 * offset and line (decoding leniently would turn it into U+FFFD without a word). A UTF-8 byte
 * order mark is dropped, for JSON as for YAML.
 */
export function decodeScenarioBytes(bytes: Uint8Array): { text: string } | { error: ScenarioFileError } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const loose = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    for (let i = loose.indexOf('\uFFFD'); i !== -1; i = loose.indexOf('\uFFFD', i + 1)) {
      const offset = Buffer.byteLength(loose.slice(0, i));
      if (bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd) continue; // A real U+FFFD.
      const byte = bytes[offset]!.toString(16).padStart(2, '0');
      return {
        error: {
          line: lineAt(loose, i),
          message: `not UTF-8: byte 0x${byte} at offset ${offset} is not valid UTF-8; save the file as UTF-8`,
        },
      };
    }
    return { error: { line: null, message: 'not UTF-8; save the file as UTF-8' } };
  }
}

/**
 * Parses a scenario file, JSON or YAML (by extension). JSON is read by JSON.parse; lines come from
 * the yaml package (JSON is YAML), which knows where every value starts, and is run only when a
 * line is asked for: loading a valid JSON file never pays for it. Duplicate keys (JSON and YAML),
 * tabs used for indentation, an alias bomb, values nested deeper than SCENARIO_BOUNDS.depth and
 * values JSON cannot hold (YAML's !!binary, !!set, .inf) are errors, with their lines.
 */
export function parseScenarioFile(name: string, text: string): ScenarioFile {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let parsed: { doc: ReturnType<typeof parseDocument> | null; lines: LineCounter } | undefined;
  const yaml = () => {
    if (!parsed) {
      const lines = new LineCounter();
      let doc: ReturnType<typeof parseDocument> | null;
      try {
        doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
      } catch {
        doc = null; // A stack overflow: reported as nesting (see yamlErrors).
      }
      parsed = { doc, lines };
    }
    return parsed;
  };
  const offsetOf = (at: readonly PropertyKey[], key: boolean): number | null => {
    const { doc } = yaml();
    if (!doc) return null;
    try {
      if (key && at.length > 0) {
        const parent = at.length === 1 ? doc.contents : doc.getIn(at.slice(0, -1) as unknown[], true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === at.at(-1));
          if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
        }
        return offsetOf(at.slice(0, -1), false);
      }
      const node = at.length === 0 ? doc.contents : doc.getIn(at as unknown[], true);
      return isNode(node) && node.range ? node.range[0] : null;
    } catch {
      return null;
    }
  };
  const line = (offset: number | null) => (offset === null ? null : yaml().lines.linePos(offset).line);
  const lineOf = (at: readonly PropertyKey[]) => line(offsetOf(at, false));
  const lineOfKey = (at: readonly PropertyKey[]) => line(offsetOf(at, true));
  const file = (value: unknown, errors: ScenarioFileError[]): ScenarioFile => ({ value, errors, lineOf, lineOfKey });

  if (path.extname(name).toLowerCase() === '.json') {
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      const offset = jsonErrorOffset(source, (error as Error).message);
      return file(undefined, [
        {
          line: offset === null ? null : lineAt(source, offset),
          message: `not valid JSON: ${truncate((error as Error).message.replace(/\s+/g, ' '))}`,
        },
      ]);
    }
    const scan = scanJson(source);
    const errors: ScenarioFileError[] = scan.duplicates.map((d) => ({
      line: lineAt(source, d.offset),
      message: `not valid JSON: duplicate key ${quote(d.key)} (first on line ${lineAt(source, d.first)}); JSON.parse would keep the last one silently: keep one`,
    }));
    const problems = valueProblems(value);
    for (const problem of problems) {
      const deep = problem.depth ? scan.tooDeep : null;
      errors.push({ ...problem, line: deep !== null ? lineAt(source, deep) : lineOf(problem.path) });
    }
    return file(errors.length > 0 ? undefined : value, errors);
  }
  const { doc, lines } = yaml();
  const errors = yamlErrors(doc, lines);
  if (errors.length > 0) return file(undefined, errors);
  let value: unknown;
  try {
    value = doc!.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const bomb = error instanceof ReferenceError;
    return file(undefined, [
      {
        line: null,
        message: bomb
          ? `not valid YAML: its aliases expand to too many values (over ${MAX_ALIAS_COUNT}), as an alias bomb does: write the values out, or use fewer aliases`
          : `not valid YAML: ${truncate(String((error as Error).message))}`,
      },
    ]);
  }
  const problems = valueProblems(value).map((p) => ({ ...p, line: lineOf(p.path) }));
  return file(problems.length > 0 ? undefined : value, problems);
}

function yamlErrors(doc: ReturnType<typeof parseDocument> | null, lines: LineCounter): ScenarioFileError[] {
  const deep = `nested too deeply to read; a scenario holds at most ${SCENARIO_BOUNDS.depth} levels of objects and arrays: flatten the value`;
  if (!doc) return [{ line: null, message: `not valid YAML: ${deep}` }];
  return doc.errors.map((e) => ({
    line: lines.linePos(e.pos[0]).line,
    message: /call stack/i.test(e.message)
      ? `not valid YAML: ${deep}`
      : `not valid YAML: ${truncate(e.message.split('\n', 1)[0]!)} (${e.code})`,
  }));
}

/** A message from a parser, which may quote the file: cut to a line's length. */
function truncate(message: string): string {
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/**
 * Values a scenario cannot hold: nesting past SCENARIO_BOUNDS.depth (it would overflow the stack
 * of whatever serializes it: the scripted server, a store), and values JSON cannot hold, which
 * YAML can write (they would change or vanish on their way to the subject). Walked without
 * recursion, so any depth JSON.parse accepts is safe here.
 */
function valueProblems(
  root: unknown,
): (Omit<ScenarioFileError, 'line'> & { path: (string | number)[]; depth?: true })[] {
  const problems: (Omit<ScenarioFileError, 'line'> & { path: (string | number)[]; depth?: true })[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0 && problems.length < 10) {
    const { value, path: at } = stack.pop()!;
    const foreign = notJson(value);
    if (foreign) {
      problems.push({ path: at, message: `${foreign}, which JSON cannot hold: ${fixFor(value)}` });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (at.length + 1 > SCENARIO_BOUNDS.depth) {
      if (!problems.some((p) => p.depth))
        problems.push({
          path: at,
          depth: true,
          message: `nested more than ${SCENARIO_BOUNDS.depth} levels deep (objects and arrays, the scenario itself being the first): flatten the value (see the bounds in docs/scenarios.md)`,
        });
      continue;
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: [...at, entries[i]![0]] });
  }
  return problems;
}

function notJson(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${value} (.inf, .nan, or a number too large)`;
  if (typeof value === 'bigint') return 'a whole number too large for a double';
  if (value instanceof Uint8Array) return `bytes (YAML's !!binary, ${value.length} bytes)`;
  if (value instanceof Date) return "a timestamp (YAML's !!timestamp)";
  if (value instanceof Set) return "a set (YAML's !!set)";
  if (value instanceof Map) return "an ordered map (YAML's !!omap or !!pairs)";
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return 'a value of a custom YAML tag';
  }
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol')
    return `a value of type ${typeof value}`;
  return null;
}

function fixFor(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return 'write a finite number, or a string';
  if (value instanceof Uint8Array)
    return 'write the text itself, or the base64 as a plain string (drop the !!binary tag)';
  if (value instanceof Date) return 'quote it, to keep it a string';
  return 'write a plain mapping, list or string instead (drop the tag)';
}

/**
 * What JSON.parse does not tell about a valid JSON text: duplicate keys (it keeps the last one
 * silently; YAML rejects them), and the offset where nesting first passes SCENARIO_BOUNDS.depth.
 * A single pass over the text, which is known to be valid JSON.
 */
function scanJson(text: string): {
  duplicates: { key: string; offset: number; first: number }[];
  tooDeep: number | null;
} {
  const duplicates: { key: string; offset: number; first: number }[] = [];
  const open: (Map<string, number> | null)[] = [];
  let tooDeep: number | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = open.at(-1);
      if (keys) {
        let next = end + 1;
        while (next < text.length && ' \t\n\r'.includes(text[next]!)) next++;
        if (text[next] === ':') {
          const key = JSON.parse(text.slice(i, end + 1)) as string;
          const first = keys.get(key);
          if (first !== undefined) duplicates.push({ key, offset: i, first });
          else keys.set(key, i);
        }
      }
      i = end;
    } else if (c === '{' || c === '[') {
      open.push(c === '{' ? new Map() : null);
      if (open.length > SCENARIO_BOUNDS.depth && tooDeep === null) tooDeep = i;
    } else if (c === '}' || c === ']') open.pop();
  }
  return { duplicates, tooDeep };
}

/** The line (1-based) of an offset in a text. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Where JSON.parse gave up. Most of its messages say ("at position 12"); for an unexpected token
 * it quotes the text instead, so the offset is found as the shortest prefix whose error is not
 * merely that the text ended (a binary search: a few parses of a small file).
 */
function jsonErrorOffset(text: string, message: string): number | null {
  const stated = /at position (\d+)/.exec(message);
  if (stated) return Number(stated[1]);
  const endsEarly = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const m = (error as Error).message;
      const at = /at position (\d+)/.exec(m);
      return m.startsWith('Unexpected end') || (at !== null && Number(at[1]) >= length);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (endsEarly(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? lo - 1 : null;
}
