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
 * Parses a scenario file, JSON or YAML (by extension). JSON is read by JSON.parse, whose error
 * gives the position; both are also read by the yaml package (JSON is YAML), which knows where
 * every value starts, so a problem at a path can name its line. YAML duplicate keys and tabs used
 * for indentation are errors, with their lines.
 */
export function parseScenarioFile(name: string, text: string): ScenarioFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (at: readonly PropertyKey[]): number | null => {
    const node = at.length === 0 ? doc.contents : doc.getIn(at as unknown[], true);
    const offset = isNode(node) && node.range ? node.range[0] : null;
    return offset === null ? null : lines.linePos(offset).line;
  };
  if (path.extname(name).toLowerCase() === '.json') {
    try {
      return { value: JSON.parse(text), errors: [], lineOf };
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message);
      const line = position ? lines.linePos(Number(position[1])).line : null;
      return { value: undefined, errors: [{ line, message: `not valid JSON: ${message.replace(/ \(line \d+ column \d+\)$/, '')}` }], lineOf };
    }
  }
  if (doc.errors.length > 0) {
    return { value: undefined, errors: doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? null, message: `not valid YAML: ${e.message.split('\n', 1)[0]} (${e.code})` })), lineOf };
  }
  return { value: doc.toJS({ maxAliasCount: 100 }), errors: [], lineOf };
}
