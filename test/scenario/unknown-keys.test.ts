import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioSetError } from '../../src/errors/scenario-set-error.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { editDistance, nearestKey } from '../../src/scenario/nearest-key.ts';
import { ROOT, runMain } from '../helpers/run-cli.ts';

const subjects = await loadSubjects(path.join(ROOT, 'subjects'));

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'keys-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const yaml = [
  'id: typo',
  'subject: weather-agent',
  'description: d',
  'expected: null',
  'input:',
  '  question: q',
  'deadline_ms: 5000',
  'modle:',
  '  replies:',
  '    - content: hi',
].join('\n');

const json = JSON.stringify(
  {
    id: 'typo-json',
    subject: 'weather-agent',
    description: 'd',
    expected: null,
    input: { question: 'q' },
    model: { replies: [{ content: 'hi', tool_call: [], fault: { delay: 5 } }] },
    grounding: [{ check: 'cited_ids_exist', output_path: 'a', context_pth: 'b' }],
    tirage: { owner: 'me' },
  },
  null,
  2,
);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('an unknown key is reported at its own line, with the nearest known key', () => {
  it('YAML and JSON, at the top and nested, in a union too', async () => {
    const error = (await loadScenarios(await folder({ 'typo.yaml': yaml, 'typo.json': json }), subjects).catch(
      (e: unknown) => e,
    )) as ScenarioSetError;
    const of = (name: string) =>
      error.problems.filter((p) => path.basename(p.file) === name).map((p) => `${p.line} ${p.path}: ${p.message}`);
    expect(of('typo.yaml')).toEqual([
      '8 modle: unknown key "modle" (did you mean "model"?): rename or remove it (the keys are in schemas/scenario.schema.json)',
    ]);
    const tail = ': rename or remove it (the keys are in schemas/scenario.schema.json)';
    expect(of('typo.json').sort()).toEqual(
      [
        `${lineOf(json, '"tool_call"')} model.replies[0].tool_call: unknown key "tool_call" (did you mean "tool_calls"?)${tail}`,
        `${lineOf(json, '"delay"')} model.replies[0].fault.delay: unknown key "delay" (did you mean "delay_ms"?)${tail}`,
        `${lineOf(json, '"context_pth"')} grounding[0].context_pth: unknown key "context_pth" (did you mean "context_path"?)${tail}`,
        `${lineOf(json, '"tirage"')} tirage: unknown key "tirage" (did you mean "triage"?)${tail}`,
        // A missing key is reported at the object that should hold it.
        `${lineOf(json, '"check"') - 1} grounding[0].context_path: Invalid input: expected string, received undefined`,
      ].sort(),
    );
  });

  it('no suggestion when nothing is near', async () => {
    const error = (await loadScenarios(await folder({ 'far.yaml': yaml.replace('modle:', 'zzzzzz:') }), subjects).catch(
      (e: unknown) => e,
    )) as ScenarioSetError;
    expect(error.problems.map((p) => `${p.line} ${p.message.split(':')[0]}`)).toEqual(['8 unknown key "zzzzzz"']);
  });

  it('through the CLI, with the file and line', async () => {
    const dir = await folder({ 'typo.yaml': yaml });
    const run = await runMain(['scenarios', '--scenarios', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${path.join(dir, 'typo.yaml')}:8 at modle: unknown key "modle" (did you mean "model"?)`,
    );
  });

  it('nearestKey: a swap is one edit; case is ignored; a key that contains the misspelt one counts', () => {
    expect(editDistance('modle', 'model')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(nearestKey('Model', ['model', 'id'])).toBe('model');
    expect(nearestKey('deadline', ['deadline_ms', 'description'])).toBe('deadline_ms');
    expect(nearestKey('retries', ['max_retries', 'timeout_ms'])).toBe('max_retries');
    expect(nearestKey('x', ['model', 'input'])).toBeNull();
  });
});
