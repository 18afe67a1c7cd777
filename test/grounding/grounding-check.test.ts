import { describe, expect, it } from 'vitest';
import type { GroundingCheck } from '../../src/contracts/scenario.ts';
import { runGroundingCheck } from '../../src/grounding/grounding-check.ts';
import { GroundingConfigError } from '../../src/errors/grounding-config-error.ts';
import { Scenario } from '../../src/contracts/scenario.ts';
import { EQUIVALENT, IDENTIFIERS, NO_NUMBERS, NOT_CLAIMS } from './number-cases.ts';

const check = (raw: unknown) => Scenario.shape.grounding.parse([raw])[0] as GroundingCheck;
const ctx = (output: unknown, extra: Partial<Parameters<typeof runGroundingCheck>[1]> = {}) => ({
  scenarioId: 's',
  input: { docs: [{ id: 'd1', text: 'Revenue was 1,250.00 EUR in 2024. "Growth was steady," the CFO said.' }] },
  output,
  steps: [],
  declaredTools: ['search'],
  toolResults: [],
  ...extra,
});

describe('runGroundingCheck', () => {
  it('numbers_in_sources: matches numerically, flags the rest', () => {
    const c = check({ check: 'numbers_in_sources', output_path: 'answer', source_paths: ['docs[*].text'] });
    expect(runGroundingCheck(c, ctx({ answer: 'It made 1250 in 2024.' }))).toEqual([]);
    expect(runGroundingCheck(c, ctx({ answer: 'It made 1300 in 2024.' })).map((f) => f.claim)).toEqual(['1300']);
  });

  it('numbers_in_sources counts tool results when asked', () => {
    const c = check({ check: 'numbers_in_sources', output_path: 'answer', tool_results: true });
    expect(runGroundingCheck(c, ctx({ answer: '56' }, { toolResults: [{ value: 56 }] }))).toEqual([]);
    expect(runGroundingCheck(c, ctx({ answer: '65' }, { toolResults: [{ value: 56 }] }))).toHaveLength(1);
  });

  it('numbers_in_sources with tool results as the only source: a run that called no tool supports no number', () => {
    const c = check({ check: 'numbers_in_sources', output_path: 'answer', tool_results: true });
    const flags = runGroundingCheck(c, ctx({ answer: 'It is 25 °C in Paris.' }, { toolResults: [] }));
    expect(flags).toEqual([
      expect.objectContaining({
        claim: '25 °C',
        known: [],
        reason:
          'states 25 °C, a number found in none of the sources (the run called no tool, so no source states anything)',
      }),
    ]);
    // An answer with no numbers claims nothing, and the empty-selection rule holds as always.
    expect(runGroundingCheck(c, ctx({ answer: 'It is warm.' }, { toolResults: [] }))).toEqual([]);
    expect(runGroundingCheck(c, ctx({}, { toolResults: [] }))[0]).toMatchObject({ claim: '(nothing)' });
    const allowEmpty = check({
      check: 'numbers_in_sources',
      output_path: 'answer',
      tool_results: true,
      allow_empty: true,
    });
    expect(runGroundingCheck(allowEmpty, ctx({}, { toolResults: [] }))).toEqual([]);
  });

  it('quotes_in_sources: whitespace-insensitive substring', () => {
    const c = check({ check: 'quotes_in_sources', output_path: 'answer', source_paths: ['docs[*].text'] });
    expect(runGroundingCheck(c, ctx({ answer: 'The CFO: "Growth   was steady,"' }))).toEqual([]);
    expect(runGroundingCheck(c, ctx({ answer: 'The CFO: "Growth was explosive"' }))[0]).toMatchObject({
      claim: 'Growth was explosive',
    });
  });

  it('ground_truth: tolerance for numbers, case-insensitive strings, missing value flagged', () => {
    const num = check({ check: 'ground_truth', output_path: 'total', equals: 10, tolerance: 0.01 });
    expect(runGroundingCheck(num, ctx({ total: 10.005 }))).toEqual([]);
    expect(runGroundingCheck(num, ctx({ total: 11 }))[0]).toMatchObject({ claim: '11', expected: '10' });
    expect(runGroundingCheck(num, ctx({}))[0]).toMatchObject({ claim: '(missing)' });
    const str = check({ check: 'ground_truth', output_path: 'city', equals: 'Paris' });
    expect(runGroundingCheck(str, ctx({ city: ' paris ' }))).toEqual([]);
  });

  describe('ground_truth: values of different JSON types never match', () => {
    const truth = (equals: unknown, extra: Record<string, unknown> = {}) =>
      check({ check: 'ground_truth', output_path: 'v', equals, ...extra });
    it.each([
      ['the string "42" against the number 42', '42', 42, 'a number; the output has a string'],
      ['the number 80 against the string "80"', 80, '80', 'a string; the output has a number'],
      ['the string "null" against null', 'null', null, '(null; the output has a string)'],
      ["an object's JSON text against the object", '{"a":1}', { a: 1 }, 'an object; the output has a string'],
      ["an array's JSON text against the array", '[1,2]', [1, 2], 'an array; the output has a string'],
      ['the string "true" against true', 'true', true, 'a boolean; the output has a string'],
      ['the number 0 against false', 0, false, 'a boolean; the output has a number'],
      ['null against the string "null"', null, 'null', 'a string; the output has null)'],
    ])('%s is flagged, and says which types differ', (_name, output, equals, types) => {
      const flags = runGroundingCheck(truth(equals), ctx({ v: output }));
      expect(flags).toHaveLength(1);
      expect(flags[0]!.reason).toContain(types);
    });
    it('a tolerance applies only to a number against a number', () => {
      expect(runGroundingCheck(truth(42, { tolerance: 1 }), ctx({ v: '42' }))).toHaveLength(1);
      expect(runGroundingCheck(truth(42, { tolerance: 1 }), ctx({ v: '42.5' }))).toHaveLength(1);
      expect(runGroundingCheck(truth(42, { tolerance: 1 }), ctx({ v: 42.5 }))).toEqual([]);
    });
    it('a match mode applies only to a string against a string', () => {
      expect(runGroundingCheck(truth('42', { match: 'normalized' }), ctx({ v: 42 }))).toHaveLength(1);
      expect(runGroundingCheck(truth('NULL', { match: 'ignore_case' }), ctx({ v: null }))).toHaveLength(1);
      expect(runGroundingCheck(truth('NULL', { match: 'ignore_case' }), ctx({ v: 'null' }))).toEqual([]);
    });
    it('near misses of the same type still match (controls)', () => {
      expect(runGroundingCheck(truth(42), ctx({ v: 42 }))).toEqual([]);
      expect(runGroundingCheck(truth('42'), ctx({ v: '42' }))).toEqual([]);
      expect(runGroundingCheck(truth(null), ctx({ v: null }))).toEqual([]);
      expect(runGroundingCheck(truth({ a: 1, b: [2] }), ctx({ v: { b: [2], a: 1 } }))).toEqual([]);
      // Inside an array or object the values are compared as JSON, so types still count.
      expect(runGroundingCheck(truth([1, 2]), ctx({ v: ['1', '2'] }))).toHaveLength(1);
      expect(runGroundingCheck(truth({ a: 1 }), ctx({ v: { a: '1' } }))).toHaveLength(1);
    });
  });

  it('declared_tools_only: model tool calls in the steps and names in the output', () => {
    const c = check({ check: 'declared_tools_only', output_path: 'used[*]' });
    const steps = [
      { index: 0, type: 'model_call', tool_calls: [{ id: 'c', name: 'rm_rf', arguments: { text: '{}' } }] },
    ] as never;
    const flags = runGroundingCheck(c, ctx({ used: ['search', 'email'] }, { steps }));
    expect(flags.map((f) => [f.path, f.claim])).toEqual([
      ['steps[0].tool_calls', 'rm_rf'],
      ['used[*]', 'email'],
    ]);
  });

  it('refuses a check whose sources select nothing', () => {
    const c = check({ check: 'cited_ids_exist', output_path: 'cites[*]', context_path: 'missing[*].id' });
    expect(() => runGroundingCheck(c, ctx({ cites: ['d1'] }))).toThrow(GroundingConfigError);
  });
});

describe('numbers_in_sources applies the number table on both sides', () => {
  const numbers = check({ check: 'numbers_in_sources', output_path: 'answer', source_paths: ['text'] });
  const run = (source: string, answer: string) =>
    runGroundingCheck(numbers, { ...ctx({ answer }), input: { text: source } });
  it.each(EQUIVALENT)(
    '$form: a source supports the same value written another way, and a different value is flagged',
    ({ source, output, different, flagged, reverse }) => {
      expect(run(source, output)).toEqual([]);
      if (reverse) expect(run(output, source)).toEqual([]);
      expect(run(source, different).map((f) => f.claim)).toEqual([flagged]);
    },
  );
  it.each(IDENTIFIERS)('$form ($text) is no number in a source nor in an output', ({ text, lookalike }) => {
    expect(run(`See ${text}.`, `It is ${lookalike}.`).map((f) => f.claim)).toEqual([lookalike]);
    expect(run(NO_NUMBERS, `See ${text}.`)).toEqual([]);
  });
  it.each(NOT_CLAIMS)('$form is never a claim of its own', ({ output }) => {
    expect(run(NO_NUMBERS, output)).toEqual([]);
  });
  it('reads JSON numbers in the output as they are written, and never compares after rounding', () => {
    const structured = check({ check: 'numbers_in_sources', output_path: 'total', source_paths: ['text'] });
    const flags = (total: number) =>
      runGroundingCheck(structured, { ...ctx({ total }), input: { text: 'Total due: 1,250.00 EUR.' } }).map(
        (f) => f.claim,
      );
    expect(flags(1250)).toEqual([]);
    expect(flags(1250.4)).toEqual(['1250.4']);
    expect(flags(1249.99)).toEqual(['1249.99']);
  });
});

describe('a check with nothing to verify', () => {
  it('flags an output with nothing at output_path, unless allow_empty', () => {
    const strict = check({ check: 'cited_ids_exist', output_path: 'cites[*]', context_path: 'docs[*].id' });
    expect(runGroundingCheck(strict, ctx({ cites: [] }))).toEqual([
      expect.objectContaining({ claim: '(nothing)', path: 'cites[*]' }),
    ]);
    const lenient = check({
      check: 'cited_ids_exist',
      output_path: 'cites[*]',
      context_path: 'docs[*].id',
      allow_empty: true,
    });
    expect(runGroundingCheck(lenient, ctx({ cites: [] }))).toEqual([]);
    const quotes = check({ check: 'quotes_in_sources', output_path: 'missing', source_paths: ['docs[*].text'] });
    expect(runGroundingCheck(quotes, ctx({ answer: 'x' }))[0]).toMatchObject({ claim: '(nothing)' });
    const truth = check({ check: 'ground_truth', output_path: 'total', equals: 1, allow_empty: true });
    expect(runGroundingCheck(truth, ctx({}))).toEqual([]);
  });
  it('passes a selection that holds values but no claims', () => {
    const numbers = check({ check: 'numbers_in_sources', output_path: 'answer', source_paths: ['docs[*].text'] });
    expect(runGroundingCheck(numbers, ctx({ answer: 'No figures were given.' }))).toEqual([]);
  });
});

describe('one string rule: match', () => {
  it('normalized by default, exact or ignore_case when a check says so', () => {
    const ids = (match?: string) =>
      check({
        check: 'cited_ids_exist',
        output_path: 'cites[*]',
        context_path: 'docs[*].id',
        ...(match ? { match } : {}),
      });
    expect(runGroundingCheck(ids(), ctx({ cites: [' D1 '] }))).toEqual([]);
    expect(runGroundingCheck(ids('exact'), ctx({ cites: ['D1'] })).map((f) => f.claim)).toEqual(['D1']);
    expect(runGroundingCheck(ids('ignore_case'), ctx({ cites: ['D1'] }))).toEqual([]);
    expect(runGroundingCheck(ids('ignore_case'), ctx({ cites: [' d1'] }))).toHaveLength(1);
    const truth = (match?: string) =>
      check({ check: 'ground_truth', output_path: 'city', equals: 'Paris', ...(match ? { match } : {}) });
    expect(runGroundingCheck(truth(), ctx({ city: '  PARIS ' }))).toEqual([]);
    expect(runGroundingCheck(truth('exact'), ctx({ city: 'paris' }))).toHaveLength(1);
  });
});

describe('ground_truth', () => {
  it('a tolerance is the decimal the author wrote, and the bound is inclusive', () => {
    const truth = check({ check: 'ground_truth', output_path: 'v', equals: 1, tolerance: 0.1 });
    expect(runGroundingCheck(truth, ctx({ v: 1.1 }))).toEqual([]);
    expect(runGroundingCheck(truth, ctx({ v: 0.9 }))).toEqual([]);
    expect(runGroundingCheck(truth, ctx({ v: 1.1000000000000003 }))).toHaveLength(1);
    expect(
      runGroundingCheck(check({ check: 'ground_truth', output_path: 'v', equals: 56 }), ctx({ v: 56.0000001 })),
    ).toHaveLength(1);
  });
  it('compares other values as JSON with keys in any order', () => {
    const truth = check({ check: 'ground_truth', output_path: 'v', equals: { a: 1, b: [1, 2] } });
    expect(runGroundingCheck(truth, ctx({ v: { b: [1, 2], a: 1 } }))).toEqual([]);
    expect(runGroundingCheck(truth, ctx({ v: { a: 1, b: [2, 1] } }))).toHaveLength(1);
  });
});

describe('quotes_in_sources', () => {
  const quotes = check({ check: 'quotes_in_sources', output_path: 'answer', source_paths: ['docs[*].text'] });
  it('a stray inch mark neither hides a real quotation nor makes one up', () => {
    expect(runGroundingCheck(quotes, ctx({ answer: 'A 12" pipe, and the CFO: "Growth was steady."' }))).toEqual([]);
    expect(
      runGroundingCheck(quotes, ctx({ answer: 'A 12" pipe, and the CFO: "Growth was explosive."' })).map(
        (f) => f.claim,
      ),
    ).toEqual(['Growth was explosive.']);
  });
  it('reads quotes from the text of an output, never from its JSON punctuation', () => {
    const whole = check({ check: 'quotes_in_sources', output_path: '', source_paths: ['docs[*].text'] });
    expect(runGroundingCheck(whole, ctx({ answer: 'no quotes here', n: 3 }))).toEqual([]);
  });
});
