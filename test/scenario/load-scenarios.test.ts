import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioSetError } from '../../src/errors/scenario-set-error.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { ROOT } from '../helpers/run-cli.ts';

const subjects = await loadSubjects(path.join(ROOT, 'subjects'));

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'scenarios-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const valid = (id: string, extra: object = {}) => JSON.stringify({ id, subject: 'cited-qa', description: 'd', expected: null, input: { question: 'q', documents: [{ id: 'a', text: 't' }] }, model: { replies: [{ json: { answer: 'x', citations: ['a'] } }] }, ...extra });

describe('loadScenarios', () => {
  it('loads the shipped scenario set: at least 16, every kind reached by at least two subjects, controls included', async () => {
    const loaded = await loadScenarios(path.join(ROOT, 'scenarios'), subjects);
    expect(loaded.length).toBeGreaterThanOrEqual(16);
    for (const kind of ['timeout', 'exception', 'validation_error', 'hallucination_flag']) {
      const ways = new Set(loaded.filter((l) => l.scenario.expected === kind).map((l) => l.scenario.subject));
      expect(ways.size, kind).toBeGreaterThanOrEqual(2);
    }
    expect(loaded.filter((l) => l.scenario.expected === null).length).toBeGreaterThanOrEqual(4);
  });

  it('reports every problem of every file together, naming the file and the path', async () => {
    const dir = await folder({
      'a-malformed.json': '{"id": "x",, }',
      'b-unknown-key.json': valid('b', { deadline: 5 }),
      'c-wrong-type.json': valid('c', { deadline_ms: 'soon' }),
      'd-unknown-subject.json': valid('d', { subject: 'nobody' }),
      'e-unknown-kind.json': valid('e', { expected: 'explosion' }),
      'f-dup.json': valid('same'),
      'g-dup.json': valid('same'),
      'h-bad-input.json': valid('h', { input: { question: 'q' } }),
      'i-bad-fault.json': valid('i', { model: { replies: [{ fault: { status: 200 } }] } }),
      'j-bad-tool.json': valid('j', { tools: { get_weather: [{ hang: true }] } }),
    });
    const error = (await loadScenarios(dir, subjects).catch((e: unknown) => e)) as ScenarioSetError;
    expect(error).toBeInstanceOf(ScenarioSetError);
    expect(error.exitCode).toBe(2);
    const at = (file: string) => error.problems.filter((p) => p.file.endsWith(file)).map((p) => `${p.path}: ${p.message}`);
    expect(at('a-malformed.json')[0]).toMatch(/^: not valid JSON: .*position/);
    expect(at('b-unknown-key.json')).toEqual([': unknown key "deadline": remove or rename (see schemas/scenario.schema.json)']);
    expect(at('c-wrong-type.json')[0]).toMatch(/^deadline_ms: .*number/);
    expect(at('d-unknown-subject.json')[0]).toMatch(/^subject: unknown subject "nobody". Available subjects: .*cited-qa/);
    expect(at('e-unknown-kind.json')[0]).toBe('expected: expected one of validation_error, exception, timeout, hallucination_flag, or null for a control that must pass');
    expect(at('g-dup.json')[0]).toMatch(/^id: duplicate scenario id "same", also used by .*f-dup.json/);
    expect(at('h-bad-input.json')[0]).toMatch(/^input.documents: .*cited-qa's input schema/);
    expect(at('i-bad-fault.json')[0]).toMatch(/^model.replies\[0\].fault.status: /);
    expect(at('j-bad-tool.json')[0]).toMatch(/^tools.get_weather: cited-qa declares no tool/);
    expect(error.problems).toHaveLength(9);
    expect(error.message).toContain('9 problems in the scenario files; nothing was run');
  });

  it('refuses an empty or missing folder', async () => {
    await expect(loadScenarios(await folder({}), subjects)).rejects.toThrow(/no \*\.json scenario files/);
    await expect(loadScenarios('/nonexistent/folder', subjects)).rejects.toThrow(/cannot read the scenario folder/);
  });
});
