import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioSetError } from '../../src/errors/scenario-set-error.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects, SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import { ROOT } from '../helpers/run-cli.ts';

const subjects = await loadSubjects(path.join(ROOT, 'subjects'));

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'scenarios-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const valid = (id: string, extra: object = {}) =>
  JSON.stringify({
    id,
    subject: 'cited-qa',
    description: 'd',
    expected: null,
    input: { question: 'q', documents: [{ id: 'a', text: 't' }] },
    model: { replies: [{ json: { answer: 'x', citations: ['a'] } }] },
    ...extra,
  });

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
    const at = (file: string) =>
      error.problems.filter((p) => p.file.endsWith(file)).map((p) => `${p.path}: ${p.message}`);
    expect(at('a-malformed.json')[0]).toMatch(/^: not valid JSON: .*position/);
    expect(at('b-unknown-key.json')).toEqual([
      'deadline: unknown key "deadline" (did you mean "deadline_ms"?): rename or remove it (the keys are in schemas/scenario.schema.json)',
    ]);
    expect(at('c-wrong-type.json')[0]).toMatch(/^deadline_ms: .*number/);
    expect(at('d-unknown-subject.json')[0]).toMatch(
      /^subject: unknown subject "nobody". Available subjects: .*cited-qa/,
    );
    expect(at('e-unknown-kind.json')[0]).toBe(
      'expected: expected one of validation_error, exception, timeout, hallucination_flag, or null for a control that must pass',
    );
    expect(at('g-dup.json')[0]).toMatch(/^id: duplicate scenario id "same", also used by .*f-dup.json/);
    expect(at('h-bad-input.json')[0]).toMatch(/^input.documents: .*cited-qa's input schema/);
    expect(at('i-bad-fault.json')[0]).toMatch(/^model.replies\[0\].fault.status: /);
    expect(at('j-bad-tool.json')[0]).toMatch(/^tools.get_weather: cited-qa declares no tool/);
    expect(error.problems).toHaveLength(9);
    expect(error.message).toContain('9 problems in the scenario files; nothing was run');
  });

  it('refuses an empty or missing folder', async () => {
    await expect(loadScenarios(await folder({}), subjects)).rejects.toThrow(
      /no scenario files \(\.json, \.yaml, \.yml\)/,
    );
    await expect(loadScenarios('/nonexistent/folder', subjects)).rejects.toThrow(/cannot read the scenario folder/);
  });
});

describe('scenario files in YAML', () => {
  it('loads YAML as JSON, with the same checks and messages', async () => {
    const yaml = [
      'id: y-ok',
      'subject: cited-qa',
      'description: d',
      'expected: null',
      'input:',
      '  question: q',
      '  documents: [{ id: a, text: t }]',
      'model:',
      '  replies:',
      '    - json: { answer: x, citations: [a] }',
    ].join('\n');
    const loaded = await loadScenarios(await folder({ 'y.yaml': yaml, 'j.json': valid('j-ok') }), subjects);
    expect(loaded.map((l) => l.scenario.id).sort()).toEqual(['j-ok', 'y-ok']);
    const wrong = yaml.replace('expected: null', 'expected: explosion');
    const error = (await loadScenarios(await folder({ 'w.yml': wrong }), subjects).catch(
      (e: unknown) => e,
    )) as ScenarioSetError;
    expect(error.problems).toEqual([
      expect.objectContaining({ path: 'expected', line: 4, message: expect.stringContaining('expected one of') }),
    ]);
    expect(error.message).toContain('w.yml:4 at expected:');
  });

  it('reports YAML and JSON syntax errors with their line', async () => {
    const error = (await loadScenarios(
      await folder({
        'bad.yaml': 'id: a\nsubject: [unclosed\ndescription: d\n',
        'bad.json': '{\n  "id": "x",\n  "subject": ,\n}',
      }),
      subjects,
    ).catch((e: unknown) => e)) as ScenarioSetError;
    const byFile = (name: string) => error.problems.filter((p) => p.file.endsWith(name));
    expect(byFile('bad.yaml')[0]).toMatchObject({
      line: expect.any(Number),
      message: expect.stringMatching(/^not valid YAML: /),
    });
    expect(byFile('bad.json')[0]).toMatchObject({ line: 3, message: expect.stringMatching(/^not valid JSON: /) });
  });

  it('reports every file that is not a scenario, and folders, instead of skipping them', async () => {
    const dir = await folder({ 'ok.json': valid('ok'), 'notes.txt': 'todo', 'README.md': '# x' });
    await mkdir(path.join(dir, 'nested'));
    const error = (await loadScenarios(dir, subjects).catch((e: unknown) => e)) as ScenarioSetError;
    expect(error.problems.map((p) => [path.basename(p.file), p.message.split(':')[0]]).sort()).toEqual([
      ['README.md', 'not a scenario file'],
      ['nested', 'a folder'],
      ['notes.txt', 'not a scenario file'],
    ]);
  });
});

describe('what npm run lab -- scenarios finds without running', () => {
  const problemsOf = async (files: Record<string, string>) =>
    (
      ((await loadScenarios(await folder(files), subjects).catch((e: unknown) => e)) as Partial<ScenarioSetError>)
        .problems ?? []
    ).map((p) => `${p.path}: ${p.message}`);

  it('grounding paths: malformed, selecting nothing in the input, or no output could hold them', async () => {
    const grounding = [
      { check: 'cited_ids_exist', output_path: 'citations[*', context_path: 'documents[*].id' },
      { check: 'quotes_in_sources', output_path: 'answer', source_paths: ['docs[*].text'] },
      { check: 'cited_ids_exist', output_path: 'citation[*]', context_path: 'documents[*].id' },
      { check: 'numbers_in_sources', output_path: 'answer' },
      { check: 'ground_truth', output_path: 'answer[0]', equals: 1 },
    ];
    expect(await problemsOf({ 'g.json': valid('g', { grounding }) })).toEqual([
      expect.stringMatching(/^grounding\[0\]\.output_path: "citations\[\*" is not a valid path at character 10/),
      expect.stringMatching(
        /^grounding\[1\]\.source_paths\[0\]: "docs\[\*\]\.text" selects nothing in this scenario's input \(its keys are question, documents\)/,
      ),
      expect.stringMatching(
        /^grounding\[2\]\.output_path: "citation\[\*\]" can select nothing in any output of cited-qa \(at the top: no key "citation"; its keys are answer, citations\)/,
      ),
      'grounding[3].source_paths: no sources: give source_paths into the input, or set "tool_results": true',
      expect.stringMatching(
        /^grounding\[4\]\.output_path: "answer\[0\]" can select nothing .*a string has no elements/,
      ),
    ]);
  });

  it('tool results as the only source: refused only for a subject with no tools, which could never have a source', async () => {
    const onlyTools = [{ check: 'numbers_in_sources', output_path: 'answer', tool_results: true }];
    expect(await problemsOf({ 'qa.json': valid('qa', { grounding: onlyTools }) })).toEqual([
      'grounding[0].tool_results: tool results are the only source, but cited-qa declares no tools, so no run could ever have a source: give source_paths into the input',
    ]);
    // A subject with tools may or may not call them: a run that calls none is flagged when it runs, not refused here.
    const weather = JSON.stringify({
      id: 'w',
      subject: 'weather-agent',
      description: 'd',
      expected: 'hallucination_flag',
      input: { question: 'q' },
      model: { replies: [{ content: 'It is 25 °C.' }] },
      grounding: onlyTools,
    });
    expect(await problemsOf({ 'w.json': weather })).toEqual([]);
  });

  it('a script the openai client will run past, and a control whose last reply asks for tools', async () => {
    const weather = (id: string, extra: object) =>
      JSON.stringify({
        id,
        subject: 'weather-agent',
        description: 'd',
        expected: null,
        input: { question: 'q' },
        ...extra,
      });
    expect(
      await problemsOf({
        'r.json': weather('r', {
          expected: 'exception',
          client: { max_retries: 2 },
          model: { replies: [{ content: 'x' }, { fault: { status: 429 } }] },
        }),
      }),
    ).toEqual([
      'model.replies: the script ends with 1 reply the openai client retries (client.max_retries is 2), so it will ask for 2 more: add 2 replies (or lower client.max_retries)',
    ]);
    expect(
      await problemsOf({
        'ok.json': weather('ok', {
          expected: 'exception',
          client: { max_retries: 1 },
          model: { replies: [{ fault: { status: 503 }, times: 2 }] },
        }),
      }),
    ).toEqual([]);
    expect(
      await problemsOf({
        't.json': weather('t', {
          model: { replies: [{ tool_calls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }] },
        }),
      }),
    ).toEqual([
      expect.stringMatching(/^model\.replies\[0\]: this control must pass, but the last reply asks for tools/),
    ]);
  });

  it('tool fixtures no reply ever calls for, or more fixtures than calls (model-driven subjects only)', async () => {
    const weather = (id: string, extra: object) =>
      JSON.stringify({
        id,
        subject: 'weather-agent',
        description: 'd',
        expected: null,
        input: { question: 'q' },
        ...extra,
      });
    const call = { tool_calls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] };
    expect(
      await problemsOf({
        'n.json': weather('n', { model: { replies: [{ content: 'hi' }] }, tools: { to_fahrenheit: [{ result: 1 }] } }),
      }),
    ).toEqual([expect.stringMatching(/^tools\.to_fahrenheit: no reply in model\.replies asks for "to_fahrenheit"/)]);
    expect(
      await problemsOf({
        'x.json': weather('x', {
          model: { replies: [call, { content: 'hi' }] },
          tools: { get_weather: [{ result: 1 }, { result: 2 }] },
        }),
      }),
    ).toEqual([
      expect.stringMatching(
        /^tools\.get_weather\[1\]: 2 fixtures, but model\.replies asks for "get_weather" only 1 time/,
      ),
    ]);
    const forecast = JSON.stringify({
      id: 'f',
      subject: 'forecast-agent',
      description: 'd',
      expected: null,
      input: { city: 'Oslo' },
      tools: { get_forecast: [{ result: { temp_c: 1, conditions: 'x' } }] },
    });
    expect(await problemsOf({ 'f.json': forecast })).toEqual([]);
  });

  it('a selection (capture --filter) imports only its subjects and checks only its scenarios against them; every file is still read', async () => {
    const dir = await folder({
      'a.json': valid('a'),
      'b-bad-input.json': valid('b', { input: { question: 'q' } }),
      'c-weather.json': JSON.stringify({
        id: 'c',
        subject: 'weather-agent',
        description: 'd',
        expected: null,
        input: { question: 'q' },
        model: { replies: [{ content: 'hi' }] },
      }),
    });
    const catalog = await SubjectCatalog.open(path.join(ROOT, 'subjects'));
    const loaded = await loadScenarios(dir, catalog, { select: (s) => s.id === 'a' || s.id === 'c' });
    expect(loaded.map((l) => l.scenario.id)).toEqual(['a', 'c']);
    // Without a selection, b's input is checked against cited-qa's schema.
    const all = (await loadScenarios(dir, catalog).catch((e: unknown) => e)) as ScenarioSetError;
    expect(all.problems.map((p) => p.file.endsWith('b-bad-input.json') && p.path)).toEqual(['input.documents']);
    // A file that breaks the contract is reported whatever is selected.
    await writeFile(path.join(dir, 'd.json'), valid('d', { deadline: 5 }));
    const broken = (await loadScenarios(dir, catalog, { select: (s) => s.id === 'a' }).catch(
      (e: unknown) => e,
    )) as ScenarioSetError;
    expect(broken.problems.map((p) => p.path)).toEqual(['deadline']);
    expect(broken.problems[0]!.file).toMatch(/d\.json$/);
  });

  it('a subject file is named after its id', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'subjects-'));
    const api = new URL('../../src/subject/index.ts', import.meta.url).href;
    const subject = (id: string) =>
      `import { z } from 'zod';\nimport { defineSubject } from '${api}';\nexport default defineSubject({ id: '${id}', description: 'd', inputSchema: z.object({}), outputSchema: z.object({}), async run() { return {}; } });\n`;
    await writeFile(path.join(dir, 'right-name.ts'), subject('right-name'));
    await writeFile(path.join(dir, 'wrong-name.ts'), subject('another-id'));
    const catalog = await SubjectCatalog.open(dir);
    expect(catalog.ids).toEqual(['right-name', 'wrong-name']);
    expect([...(await catalog.load(['right-name'])).keys()]).toEqual(['right-name']);
    const error = (await catalog.load().catch((e: unknown) => e)) as ScenarioSetError;
    expect(error).toBeInstanceOf(ScenarioSetError);
    expect(error.problems).toEqual([
      expect.objectContaining({ path: 'id', message: expect.stringContaining('rename the file to another-id.ts') }),
    ]);
  });
});
