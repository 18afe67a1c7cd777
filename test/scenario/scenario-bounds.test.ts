import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIO_BOUNDS } from '../../src/contracts/scenario.ts';
import type { ScenarioSetError } from '../../src/errors/scenario-set-error.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { ROOT, runMain } from '../helpers/run-cli.ts';

const subjects = await loadSubjects(path.join(ROOT, 'subjects'));

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bounds-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** A valid weather-agent scenario, pretty-printed so every key has a line of its own, with fields replaced. */
const weather = (id: string, extra: object = {}) =>
  JSON.stringify(
    {
      id,
      subject: 'weather-agent',
      description: 'd',
      expected: 'timeout',
      input: { question: 'q' },
      model: { replies: [{ content: 'x' }] },
      ...extra,
    },
    null,
    2,
  );

const problems = async (files: Record<string, string>) =>
  ((await loadScenarios(await folder(files), subjects).catch((e: unknown) => e)) as ScenarioSetError).problems ?? [];

describe('every number in a scenario has a bound, checked when the scenarios load', () => {
  it('numbers the run would mishandle are scenario problems naming the path, the line and the bound', async () => {
    const files = {
      // Node fires a timer of more than 2^31−1 ms at once: the control was cut after 16 ms.
      'deadline.json': weather('deadline', { deadline_ms: 2 ** 31 }),
      // A delay over 2^31 silently became 1 ms.
      'delay.json': weather('delay', { model: { replies: [{ fault: { delay_ms: 2 ** 31 } }] } }),
      // Array.from could not unroll it: an internal error.
      'times.json': weather('times', { model: { replies: [{ content: 'x', times: 2 ** 32 }] } }),
      'retries.json': weather('retries', { client: { max_retries: 11, timeout_ms: 2 ** 31 } }),
      'tool.json': weather('tool', {
        model: { replies: [{ tool_calls: [{ name: 'get_weather', arguments: {} }] }, { content: 'x' }] },
        tools: { get_weather: [{ delay_ms: 5_000_000, busy_ms: 3_600_001 }] },
      }),
      'usage.json': weather('usage', {
        model: { replies: [{ content: 'x', usage: { input_tokens: 1e10, output_tokens: 1 } }] },
      }),
      'chunks.json': weather('chunks', { model: { replies: [{ content: 'x', fault: { cut_after_chunks: 1e7 } }] } }),
      'script.json': weather('script', {
        model: { replies: Array.from({ length: 11 }, () => ({ content: 'x', times: 1000 })) },
      }),
    };
    const found = await problems(files);
    /** The line of the first line of a file that holds the text (each key has a line of its own). */
    const line = (file: keyof typeof files, text: string) =>
      files[file].split('\n').findIndex((l) => l.includes(text)) + 1;
    const byFile = (file: string) =>
      found.filter((p) => p.file.endsWith(file)).map((p) => `${p.line}:${p.path}: ${p.message}`);
    expect(byFile('deadline.json')).toEqual([
      `${line('deadline.json', '"deadline_ms":')}:deadline_ms: must be from 1 to 3,600,000 ms (one hour); lower it (see the bounds in docs/scenarios.md)`,
    ]);
    expect(byFile('delay.json')).toEqual([
      `${line('delay.json', '"delay_ms":')}:model.replies[0].fault.delay_ms: must be from 0 to 3,600,000 ms (one hour); lower it (see the bounds in docs/scenarios.md)`,
    ]);
    expect(byFile('times.json')).toEqual([
      `${line('times.json', '"times":')}:model.replies[0].times: must be from 1 to 1,000; lower it (see the bounds in docs/scenarios.md)`,
    ]);
    expect(byFile('retries.json')).toEqual([
      `${line('retries.json', '"max_retries":')}:client.max_retries: must be from 0 to 10; lower it (see the bounds in docs/scenarios.md)`,
      expect.stringMatching(
        new RegExp(`^${line('retries.json', '"timeout_ms":')}:client\\.timeout_ms: must be from 1 to 3,600,000 ms`),
      ),
    ]);
    expect(byFile('tool.json').map((p) => p.split(': ')[0])).toEqual([
      `${line('tool.json', '"delay_ms":')}:tools.get_weather[0].delay_ms`,
      `${line('tool.json', '"busy_ms":')}:tools.get_weather[0].busy_ms`,
    ]);
    expect(byFile('usage.json').map((p) => p.split(': ')[0])).toEqual([
      `${line('usage.json', '"input_tokens":')}:model.replies[0].usage.input_tokens`,
    ]);
    expect(byFile('chunks.json').map((p) => p.split(': ')[0])).toEqual([
      `${line('chunks.json', '"cut_after_chunks":')}:model.replies[0].fault.cut_after_chunks`,
    ]);
    expect(byFile('script.json')).toEqual([
      expect.stringMatching(
        /^10:model\.replies: the script answers 11000 requests, `times` included; at most 10,000: shorten it/,
      ),
    ]);
  });

  it('the bounds themselves are accepted', async () => {
    const found = await problems({
      'max.json': weather('max', {
        deadline_ms: SCENARIO_BOUNDS.ms,
        client: { max_retries: 0, timeout_ms: SCENARIO_BOUNDS.ms },
        model: {
          replies: [
            { content: 'x', times: SCENARIO_BOUNDS.times, fault: { delay_ms: SCENARIO_BOUNDS.ms } },
            { content: 'y', usage: { input_tokens: SCENARIO_BOUNDS.tokens, output_tokens: 0 } },
          ],
        },
      }),
    });
    expect(found).toEqual([]);
  });

  it('a value nested past the depth bound is reported at its path and line, JSON and YAML, however deep', async () => {
    // JSON.stringify itself overflows on 20,000 levels: the text is written by hand.
    const deep = `${'['.repeat(20_000)}"x"${']'.repeat(20_000)}`;
    let yamlDeep = 'x';
    for (let i = 0; i < 70; i++) yamlDeep = `[${yamlDeep}]`;
    const files = {
      'deep.json': weather('deep', { model: { replies: [{ json: 'DEEP' }] } }).replace('"DEEP"', deep),
      'input.json': JSON.stringify({
        ...JSON.parse(weather('input')),
        input: { question: 'q', extra: 'DEEP' },
      }).replace('"DEEP"', deep),
      'nested.yaml': [
        'id: deep-yaml',
        'subject: weather-agent',
        'description: d',
        'expected: timeout',
        'input:',
        '  question: q',
        'model:',
        '  replies:',
        `    - json: ${yamlDeep}`,
      ].join('\n'),
      'very-deep.yaml': `id: v\ninput: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    };
    const found = await problems(files);
    const byFile = (file: string) => found.filter((p) => p.file.endsWith(file));
    const limit = SCENARIO_BOUNDS.depth;
    // The scenario is level 1, model 2, replies 3, the reply 4, json 5: the 65th level is 60 levels into json.
    const jsonPath = `model.replies[0].json${'[0]'.repeat(limit - 4)}`;
    expect(byFile('deep.json')).toEqual([
      expect.objectContaining({
        path: jsonPath,
        line: files['deep.json'].split('\n').findIndex((l) => l.includes('"json":')) + 1,
        message: expect.stringMatching(/^nested more than 64 levels deep .*: flatten the value/),
      }),
    ]);
    expect(byFile('input.json')).toEqual([
      expect.objectContaining({ path: `input.extra${'[0]'.repeat(limit - 2)}`, line: 1 }),
    ]);
    expect(byFile('nested.yaml')).toEqual([expect.objectContaining({ path: jsonPath, line: 9 })]);
    expect(byFile('very-deep.yaml')).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^not valid YAML: nested too deeply to read/) }),
    ]);
  });

  it('scenarios exits 2 naming the file, the line, the field and the fix', async () => {
    const text = weather('deadline', { deadline_ms: 2 ** 31 });
    const dir = await folder({ 'deadline.json': text });
    const run = await runMain(['scenarios', '--scenarios', dir]);
    expect(run.code).toBe(2);
    const line = text.split('\n').findIndex((l) => l.includes('"deadline_ms":')) + 1;
    expect(run.stderr).toContain(
      `${path.join(dir, 'deadline.json')}:${line} at deadline_ms: must be from 1 to 3,600,000 ms (one hour); lower it`,
    );
  });
});
