import path from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';

/** The file formats a scenario may be written in, by extension. */
export const SCENARIO_EXTENSIONS = ['.json', '.yaml', '.yml'] as const;

/** A scenario file's text, parsed: its value, or the syntax errors with their lines; and a way to find a path's line. */
export interface ScenarioFile {
  value: unknown;
  /** Syntax errors: nothing else can be checked until they are fixed. */
  errors: { line: number | null; message: string }[];
  /** The line where the value at a path starts (1-based), or null when the path is not in the file. */
  lineOf(path: readonly PropertyKey[]): number | null;
}

/** True for a file name scenario loading reads. */
export function isScenarioFile(name: string): boolean {
  return (SCENARIO_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

/**
 * Parses a scenario file, JSON or YAML (by extension). JSON is read by JSON.parse; lines come from
 * the yaml package (JSON is YAML), which knows where every value starts, and is run only when a
 * line is asked for: loading a valid JSON file never pays for it. YAML duplicate keys and tabs
 * used for indentation are errors, with their lines.
 */
export function parseScenarioFile(name: string, text: string): ScenarioFile {
  let parsed: { doc: ReturnType<typeof parseDocument>; lines: LineCounter } | undefined;
  const yaml = () => {
    if (!parsed) {
      const lines = new LineCounter();
      parsed = { doc: parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }), lines };
    }
    return parsed;
  };
  const lineOf = (at: readonly PropertyKey[]): number | null => {
    const { doc, lines } = yaml();
    const node = at.length === 0 ? doc.contents : doc.getIn(at as unknown[], true);
    const offset = isNode(node) && node.range ? node.range[0] : null;
    return offset === null ? null : lines.linePos(offset).line;
  };
  if (path.extname(name).toLowerCase() === '.json') {
    try {
      return { value: JSON.parse(text), errors: [], lineOf };
    } catch (error) {
      const offset = jsonErrorOffset(text, (error as Error).message);
      const line = offset === null ? null : lineAt(text, offset);
      return {
        value: undefined,
        errors: [{ line, message: `not valid JSON: ${(error as Error).message.replace(/\s+/g, ' ')}` }],
        lineOf,
      };
    }
  }
  const { doc, lines } = yaml();
  if (doc.errors.length > 0) {
    return {
      value: undefined,
      errors: doc.errors.map((e) => ({
        line: lines.linePos(e.pos[0]).line,
        message: `not valid YAML: ${e.message.split('\n', 1)[0]} (${e.code})`,
      })),
      lineOf,
    };
  }
  return { value: doc.toJS({ maxAliasCount: 100 }), errors: [], lineOf };
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
