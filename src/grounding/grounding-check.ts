import type { GroundingFlag } from '../contracts/failure-event.ts';
import type { GroundingCheck } from '../contracts/scenario.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import { GroundingConfigError } from '../errors/grounding-config-error.ts';
import { safeStringify } from '../internal/safe-stringify.ts';
import { type NumberToken, numbersIn, numberToken, supports } from './numbers.ts';
import { selectPath } from './path.ts';
import { passageInSources, quotesIn } from './quotes.ts';
import { type MatchMode, matchText } from './text-match.ts';
import { withinTolerance } from './tolerance.ts';

/** What a grounding check may look at. */
export interface GroundingContext {
  scenarioId: string;
  input: unknown;
  output: unknown;
  steps: readonly TraceStep[];
  declaredTools: readonly string[];
  toolResults: readonly unknown[];
}

/** Longest list of known values kept as evidence in a flag. */
const MAX_KNOWN = 20;

/**
 * Runs one grounding check; each unsupported claim becomes a flag. Pure and deterministic. The
 * rules (what counts as a number, how quotes pair, how strings match, what an empty selection
 * means) are the README's "Grounding checks".
 */
export function runGroundingCheck(check: GroundingCheck, ctx: GroundingContext): GroundingFlag[] {
  const flag = (
    path: string,
    claim: string,
    reason: string,
    known: string[] | null = null,
    expected: string | null = null,
  ): GroundingFlag => ({
    check: check.check,
    path,
    claim,
    reason,
    known: known ? known.slice(0, MAX_KNOWN) : null,
    expected,
  });
  /** The values at output_path; nothing there is a flag unless the check allows it. */
  const claims = (path: string): { values: unknown[]; empty: GroundingFlag[] } => {
    const values = selectPath(ctx.output, path);
    const empty =
      values.length === 0 && !check.allow_empty
        ? [
            flag(
              path,
              '(nothing)',
              `the output has nothing at "${path}" for the check to verify (set "allow_empty": true if that is an acceptable answer)`,
            ),
          ]
        : [];
    return { values, empty };
  };
  /** The values the input selects at a path, which the scenario loader has checked select something. */
  const sources = (paths: readonly string[]): unknown[] => paths.flatMap((p) => selectPath(ctx.input, p));

  switch (check.check) {
    case 'cited_ids_exist': {
      const known = sources([check.context_path]).map(text);
      if (known.length === 0)
        throw new GroundingConfigError({
          scenarioId: ctx.scenarioId,
          message: `grounding cited_ids_exist: context_path "${check.context_path}" selects nothing in the input`,
        });
      const { values, empty } = claims(check.output_path);
      return [
        ...empty,
        ...values
          .map(text)
          .filter((id) => !known.some((k) => matchText(k, id, check.match)))
          .map((id) => flag(check.output_path, id, `cites "${id}", which is not a document in the context`, known)),
      ];
    }
    case 'declared_tools_only': {
      const declared = ctx.declaredTools;
      const flags: GroundingFlag[] = [];
      for (const step of ctx.steps) {
        if (step.type !== 'model_call') continue;
        // The model's own calls are dispatched by exact name, so they are compared exactly.
        for (const call of step.tool_calls) {
          if (!declared.includes(call.name))
            flags.push(
              flag(
                `steps[${step.index}].tool_calls`,
                call.name,
                `the model called "${call.name}", a tool the subject never declared`,
                [...declared],
              ),
            );
        }
      }
      if (check.output_path !== undefined) {
        const { values, empty } = claims(check.output_path);
        flags.push(...empty);
        for (const name of values.map(text)) {
          if (!declared.some((d) => matchText(d, name, check.match)))
            flags.push(
              flag(check.output_path, name, `the output names "${name}", a tool the subject never declared`, [
                ...declared,
              ]),
            );
        }
      }
      return flags;
    }
    case 'numbers_in_sources': {
      const from = sources(check.source_paths);
      // Only a check that could never have a source is a fault of the scenario (the loader refuses it).
      // With tool_results on, a run that called no tool had sources that state nothing: every claim is unsupported.
      if (from.length === 0 && !check.tool_results)
        throw new GroundingConfigError({
          scenarioId: ctx.scenarioId,
          message:
            'grounding numbers_in_sources: no sources (source_paths select nothing in the input and tool_results is off): give source_paths into the input, or set "tool_results": true',
        });
      if (check.tool_results) from.push(...ctx.toolResults);
      const none = from.length === 0 ? ' (the run called no tool, so no source states anything)' : '';
      const known = from.flatMap(numbersOf);
      const { values, empty } = claims(check.output_path);
      const evidence = [...new Set(known.map((k) => k.text))];
      return [
        ...empty,
        ...values
          .flatMap(numbersOf)
          .filter((n) => n.claim && !supports(known, n))
          .map((n) =>
            flag(
              check.output_path,
              n.text,
              `states ${n.text}, ${n.kind === 'date' ? 'a date' : n.kind === 'time' ? 'a time' : 'a number'} found in none of the sources${none}`,
              evidence,
            ),
          ),
      ];
    }
    case 'quotes_in_sources': {
      const from = sources(check.source_paths).flatMap(stringsOf);
      if (from.length === 0)
        throw new GroundingConfigError({
          scenarioId: ctx.scenarioId,
          message: 'grounding quotes_in_sources: source_paths select nothing in the input',
        });
      const { values, empty } = claims(check.output_path);
      return [
        ...empty,
        ...values
          .flatMap(stringsOf)
          .flatMap((s) => quotesIn(s))
          .filter((q) => !passageInSources(q.text, from))
          .map((q) => flag(check.output_path, q.text, 'quotes a passage found in none of the sources')),
      ];
    }
    case 'ground_truth': {
      const actual = selectPath(ctx.output, check.output_path);
      const expected = safeStringify(check.equals);
      if (actual.length === 0)
        return check.allow_empty
          ? []
          : [
              flag(
                check.output_path,
                '(missing)',
                'the output does not state the value the ground truth defines',
                null,
                expected,
              ),
            ];
      const expectedType = jsonType(check.equals);
      return actual
        .filter((v) => !equalsTruth(v, check.equals, check.tolerance, check.match))
        .map((v) => {
          // Text alone cannot tell "42" from 42: a flag for a value of another type says which types differ.
          const types =
            jsonType(v) === expectedType ? '' : ` (${typeName(expectedType)}; the output has ${typeName(jsonType(v))})`;
          return flag(
            check.output_path,
            safeStringify(v),
            `contradicts the ground truth ${expected}${types}`,
            null,
            expected,
          );
        });
    }
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : safeStringify(value);
}

/** Every string in a value (object keys aside), so a quote is read from text, never from JSON punctuation. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsOf);
  return [];
}

/** Every number a value states: JSON numbers as written, and those read from its strings (object keys aside). */
function numbersOf(value: unknown): NumberToken[] {
  if (typeof value === 'number') {
    const token = numberToken(value);
    return token ? [token] : [];
  }
  if (typeof value === 'string') return numbersIn(value);
  if (Array.isArray(value)) return value.flatMap(numbersOf);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(numbersOf);
  return [];
}

/** The JSON type of a value: null, boolean, number, string, array or object (anything else by its typeof). */
export type JsonType =
  | 'null'
  | 'boolean'
  | 'number'
  | 'string'
  | 'array'
  | 'object'
  | 'bigint'
  | 'undefined'
  | 'function'
  | 'symbol';

/** The JSON type of a value, which decides which rule compares it. */
export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** "a number", "an object", "null": a type as the flag's reason names it. */
function typeName(type: JsonType): string {
  if (type === 'null' || type === 'undefined') return type;
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

/**
 * The ground-truth rule (README, "Grounding checks"): values of different JSON types never match
 * (the string "42" is not the number 42, "null" is not null, an object's JSON text is not the
 * object); numbers within the tolerance (decimal, inclusive), strings by match, anything else
 * equal as JSON with keys in any order.
 */
function equalsTruth(actual: unknown, expected: unknown, tolerance: number, match: MatchMode): boolean {
  if (jsonType(actual) !== jsonType(expected)) return false;
  if (typeof actual === 'number' && typeof expected === 'number') return withinTolerance(actual, expected, tolerance);
  if (typeof actual === 'string' && typeof expected === 'string') return matchText(actual, expected, match);
  return canonical(actual) === canonical(expected);
}

/** JSON with object keys sorted, so key order never decides equality. */
function canonical(value: unknown): string {
  return safeStringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}
