import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge, parseAnswer, promptFor } from '../../examples/llm-judge.ts';
import { DatasetPrediction } from '../../src/contracts/dataset-label.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { scenario } from '../helpers/scenario.ts';

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
});
afterAll(async () => {
  await server.close();
});

const trace = (id: string) => ({
  schema_version: 1,
  trace_id: id,
  agent: 'weather-agent',
  started_at: '2026-12-06T10:00:00.000Z',
  ended_at: '2026-12-06T10:00:00.010Z',
  duration_ms: 10,
  input: '{"city":"Oslo"}',
  output: null,
  error: { class: 'RateLimitError', message: '429 slow down', status: 429 },
  spans: [
    {
      span_id: 'a'.repeat(16),
      parent_span_id: null,
      step_index: null,
      name: 'invoke_agent weather-agent',
      kind: 'agent',
      agent: null,
      started_at: '2026-12-06T10:00:00.000Z',
      ended_at: '2026-12-06T10:00:00.010Z',
      duration_ms: 10,
      status: 'error',
      error: { class: 'RateLimitError', message: '429 slow down', status: 429 },
      attributes: {},
    },
  ],
});

describe('the LLM judge example', () => {
  it('sends each blind trace to an OpenAI-compatible model and parses its answers into predictions; a bad answer is not scored', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'judge-'));
    const file = path.join(dir, 'traces.ndjson');
    const ids = ['1'.repeat(32), '2'.repeat(32)];
    await writeFile(file, ids.map((id) => `${JSON.stringify(trace(id))}\n`).join(''));
    const session = server.open(
      scenario({
        id: 'judge',
        subject: 'judge',
        model: {
          replies: [
            {
              content: JSON.stringify({
                kind: 'exception',
                span_id: 'a'.repeat(16),
                agent: 'weather-agent',
                trail_category: 'Rate Limiting',
              }),
            },
            { content: 'I think it failed, probably.' },
          ],
        },
      }),
      'judge-run',
    );
    const client = new OpenAI({ baseURL: session.baseURL, apiKey: session.apiKey, maxRetries: 0 });
    const predictions = await judge(file, client, 'lab-model');
    expect(predictions).toEqual([
      {
        trace_id: ids[0],
        kind: 'exception',
        location: { span_id: 'a'.repeat(16) },
        agent: 'weather-agent',
        trail_category: 'Rate Limiting',
      },
      { trace_id: ids[1] },
    ]);
    for (const p of predictions) expect(DatasetPrediction.safeParse(p).success).toBe(true);
  });

  it('asks for the four kinds and the JSON shape, and refuses an answer outside them', () => {
    const prompt = promptFor('{"trace_id":"x"}');
    for (const word of ['timeout', 'exception', 'validation_error', 'hallucination_flag', 'Rate Limiting', '"span_id"'])
      expect(prompt).toContain(word);
    expect(parseAnswer('t', '{"kind": "crash"}')).toBeNull();
    expect(parseAnswer('t', 'no json here')).toBeNull();
    expect(parseAnswer('t', 'Sure: {"kind": null}')).toEqual({
      trace_id: 't',
      kind: null,
      location: null,
      agent: null,
      trail_category: null,
    });
  });
});
