import { describe, expect, it } from 'vitest';
import type { GroundingCheck } from '../../src/contracts/scenario.ts';
import { runGroundingCheck } from '../../src/grounding/grounding-check.ts';
import { GroundingConfigError } from '../../src/errors/grounding-config-error.ts';
import { Scenario } from '../../src/contracts/scenario.ts';

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

  it('quotes_in_sources: whitespace-insensitive substring', () => {
    const c = check({ check: 'quotes_in_sources', output_path: 'answer', source_paths: ['docs[*].text'] });
    expect(runGroundingCheck(c, ctx({ answer: 'The CFO: "Growth   was steady,"' }))).toEqual([]);
    expect(runGroundingCheck(c, ctx({ answer: 'The CFO: "Growth was explosive"' }))[0]).toMatchObject({ claim: 'Growth was explosive' });
  });

  it('ground_truth: tolerance for numbers, case-insensitive strings, missing value flagged', () => {
    const num = check({ check: 'ground_truth', output_path: 'total', equals: 10, tolerance: 0.01 });
    expect(runGroundingCheck(num, ctx({ total: 10.005 }))).toEqual([]);
    expect(runGroundingCheck(num, ctx({ total: 11 }))[0]).toMatchObject({ claim: '11', expected: '10' });
    expect(runGroundingCheck(num, ctx({}))[0]).toMatchObject({ claim: '(missing)' });
    const str = check({ check: 'ground_truth', output_path: 'city', equals: 'Paris' });
    expect(runGroundingCheck(str, ctx({ city: ' paris ' }))).toEqual([]);
  });

  it('declared_tools_only: model tool calls in the steps and names in the output', () => {
    const c = check({ check: 'declared_tools_only', output_path: 'used[*]' });
    const steps = [{ index: 0, type: 'model_call', tool_calls: [{ id: 'c', name: 'rm_rf', arguments: { text: '{}' } }] }] as never;
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
