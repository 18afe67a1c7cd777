import type { GroundingFlag } from '../contracts/failure-event.ts';
import type { GroundingCheck } from '../contracts/scenario.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import { GroundingConfigError } from '../errors/grounding-config-error.ts';
import { safeStringify } from '../internal/safe-stringify.ts';
import { selectPath } from '../internal/select-path.ts';

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

/** Runs one grounding check; each unsupported claim becomes a flag. Pure and deterministic. */
export function runGroundingCheck(check: GroundingCheck, ctx: GroundingContext): GroundingFlag[] {
  const flag = (path: string, claim: string, reason: string, known: string[] | null = null, expected: string | null = null): GroundingFlag => ({
    check: check.check,
    path,
    claim,
    reason,
    known: known ? known.slice(0, MAX_KNOWN) : null,
    expected,
  });
  switch (check.check) {
    case 'cited_ids_exist': {
      const known = selectPath(ctx.input, check.context_path).map(text);
      if (known.length === 0) throw new GroundingConfigError({ scenarioId: ctx.scenarioId, message: `grounding cited_ids_exist: context_path "${check.context_path}" selects nothing in the input` });
      const allowed = new Set(known);
      return selectPath(ctx.output, check.output_path)
        .map(text)
        .filter((id) => !allowed.has(id))
        .map((id) => flag(check.output_path, id, `cites "${id}", which is not a document in the context`, known));
    }
    case 'declared_tools_only': {
      const declared = new Set(ctx.declaredTools);
      const flags: GroundingFlag[] = [];
      for (const step of ctx.steps) {
        if (step.type !== 'model_call') continue;
        for (const call of step.tool_calls) {
          if (!declared.has(call.name)) flags.push(flag(`steps[${step.index}].tool_calls`, call.name, `the model called "${call.name}", a tool the subject never declared`, [...declared]));
        }
      }
      if (check.output_path !== undefined) {
        for (const name of selectPath(ctx.output, check.output_path).map(text)) {
          if (!declared.has(name)) flags.push(flag(check.output_path, name, `the output names "${name}", a tool the subject never declared`, [...declared]));
        }
      }
      return flags;
    }
    case 'numbers_in_sources': {
      const sources = check.source_paths.flatMap((p) => selectPath(ctx.input, p)).map(text);
      if (check.tool_results) sources.push(...ctx.toolResults.map(text));
      if (sources.length === 0) throw new GroundingConfigError({ scenarioId: ctx.scenarioId, message: 'grounding numbers_in_sources: no sources (source_paths select nothing and tool_results is off)' });
      const known = [...new Set(sources.flatMap(numbersIn))];
      return selectPath(ctx.output, check.output_path)
        .flatMap((v) => (typeof v === 'number' ? [v] : numbersIn(text(v))))
        .filter((n) => !known.some((k) => Math.abs(k - n) <= 1e-9 * Math.max(1, Math.abs(n))))
        .map((n) => flag(check.output_path, String(n), `states ${n}, a number found in none of the sources`, known.map(String)));
    }
    case 'quotes_in_sources': {
      const sources = check.source_paths.flatMap((p) => selectPath(ctx.input, p)).map((s) => normalizeSpace(text(s)));
      if (sources.length === 0) throw new GroundingConfigError({ scenarioId: ctx.scenarioId, message: 'grounding quotes_in_sources: source_paths select nothing in the input' });
      return selectPath(ctx.output, check.output_path)
        .flatMap((v) => quotesIn(text(v)))
        .filter((q) => !sources.some((s) => s.includes(normalizeSpace(q))))
        .map((q) => flag(check.output_path, q, 'quotes a passage found in none of the sources'));
    }
    case 'ground_truth': {
      const actual = selectPath(ctx.output, check.output_path);
      const expected = safeStringify(check.equals);
      if (actual.length === 0) return [flag(check.output_path, '(missing)', 'the output does not state the value the ground truth defines', null, expected)];
      return actual
        .filter((v) => !matches(v, check.equals, check.tolerance))
        .map((v) => flag(check.output_path, safeStringify(v), `contradicts the ground truth ${expected}`, null, expected));
    }
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : safeStringify(value);
}

/** Numbers in prose: "1,234.5" and "-3" count; digits inside identifiers ("A4", "doc-2", "INV-2041") do not. */
export function numbersIn(source: string): number[] {
  const number = /(?<![\w.])(?<!\w-)-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w-])/g;
  return [...source.matchAll(number)].map((m) => Number(m[0].replaceAll(',', '')));
}

/** Passages in straight or curly double quotes. */
export function quotesIn(source: string): string[] {
  return [...source.matchAll(/"([^"]+)"|\u201c([^\u201d]+)\u201d/g)].map((m) => (m[1] ?? m[2])!.trim()).filter((q) => q.length > 0);
}

function normalizeSpace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function matches(actual: unknown, expected: unknown, tolerance: number): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') return Math.abs(actual - expected) <= tolerance;
  if (typeof actual === 'string' && typeof expected === 'string') return actual.trim().toLowerCase() === expected.trim().toLowerCase();
  return safeStringify(actual) === safeStringify(expected);
}
