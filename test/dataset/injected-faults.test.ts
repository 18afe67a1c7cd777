// The injected faults as localization labels (docs/analyzers.md, "Injected faults"): captured for
// real in this process (the scripted server, the Agents SDK subject, the conversational subject),
// written by `lab dataset`, checked step by step against the blind traces, and scored by `lab score`.
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BlindTrace } from '../../src/contracts/blind-trace.ts';
import { DatasetLabel } from '../../src/contracts/dataset-label.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { blindTraceOf } from '../../src/dataset/blind-trace-of.ts';
import { ContractViolationError } from '../../src/errors/contract-violation-error.ts';
import { ROOT, runMain } from '../helpers/run-cli.ts';

const VARIANT = 'desk-faults/triage-429-lookup-fails';
const CONVERSATION = 'conv-weather-429-retried-in-turn-2';
const FIXTURE = 'calculator-misreports-result';

let store: string;
let out: string;
let records: Map<string, TraceRecord>;
/** Each scenario's blind trace and label, joined through the label's trace_id and the record's subject. */
let pairs: Map<string, { trace: BlindTrace; label: DatasetLabel }>;
let tracesText: string;

beforeAll(async () => {
  const scenarios = await mkdtemp(path.join(tmpdir(), 'injected-scenarios-'));
  await copyFile(path.join(ROOT, 'test/fixtures/dataset/desk-faults.yaml'), path.join(scenarios, 'desk-faults.yaml'));
  for (const id of [CONVERSATION, FIXTURE])
    await copyFile(path.join(ROOT, 'scenarios', `${id}.json`), path.join(scenarios, `${id}.json`));
  store = await mkdtemp(path.join(tmpdir(), 'injected-store-'));
  const capture = await runMain([
    'capture',
    '--store',
    'files',
    '--dir',
    store,
    '--scenarios',
    scenarios,
    '--no-ledger',
  ]);
  expect(capture.code, capture.stdout.slice(-2000) + capture.stderr).toBe(0);
  records = new Map();
  for (const name of await readdir(path.join(store, 'records'))) {
    const json = JSON.parse(await readFile(path.join(store, 'records', name), 'utf8')) as { scenario_id?: unknown };
    if (typeof json.scenario_id === 'string') records.set(json.scenario_id, TraceRecord.parse(json));
  }
  expect([...records.keys()].sort()).toEqual(['desk-faults', VARIANT, CONVERSATION, FIXTURE].sort());

  out = await mkdtemp(path.join(tmpdir(), 'injected-dataset-'));
  const dataset = await runMain(['dataset', '--store', 'files', '--dir', store, '--out', out, '--seed', 's']);
  expect(dataset.code, dataset.stderr).toBe(0);
  tracesText = await readFile(path.join(out, 'test', 'traces.ndjson'), 'utf8');
  const traces = tracesText
    .trim()
    .split('\n')
    .map((l) => BlindTrace.parse(JSON.parse(l)));
  const labels = (await readFile(path.join(out, 'test', 'labels.ndjson'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => DatasetLabel.parse(JSON.parse(l)));
  // The dataset is blind to scenario ids: join each record to its line through the seed's trace id.
  pairs = new Map();
  for (const [id, record] of records) {
    const { label } = blindTraceOf(record, 's');
    const i = labels.findIndex((l) => l.trace_id === label.trace_id);
    expect(i, id).toBeGreaterThanOrEqual(0);
    pairs.set(id, { trace: traces[i]!, label: labels[i]! });
  }
}, 120_000);

describe('lab dataset: injected faults as localization labels', () => {
  it('gives a 429 on one agent and a tool error on another their exact blind steps, kinds and agents', () => {
    const { trace, label } = pairs.get(VARIANT)!;
    const span = (i: number) => trace.spans.find((s) => s.step_index === i)!;
    // The blind trace: Triage's 429 and its retry, Billing's call, the failed lookup_invoice, Billing's answer.
    expect(trace.spans.slice(1).map((s) => [s.step_index, s.kind, s.agent, s.status])).toEqual([
      [0, 'llm', 'Triage', 'error'],
      [1, 'llm', 'Triage', 'ok'],
      [2, 'llm', 'Billing', 'ok'],
      [3, 'tool', 'Billing', 'error'],
      [4, 'llm', 'Billing', 'ok'],
    ]);
    expect(span(0).attributes['http.response.status_code']).toBe(429);
    expect(span(3).name).toBe('execute_tool lookup_invoice');
    expect(label.injected_faults).toEqual([
      {
        source: 'variant',
        site: { model_call: 1 },
        step_index: 0,
        span_id: span(0).span_id,
        step_kind: 'llm',
        agent: 'Triage',
        turn: null,
        fault: { status: 429, retry_after_ms: 1 },
      },
      {
        source: 'variant',
        site: { tool: 'lookup_invoice', call: 1 },
        step_index: 3,
        span_id: span(3).span_id,
        step_kind: 'tool',
        agent: 'Billing',
        turn: null,
        fault: { error: 'billing database unavailable' },
      },
    ]);
    // Where the detector located the failure is another answer: the reply that stated 120 EUR.
    expect(label.kind).toBe('hallucination_flag');
    expect(label.location).toEqual({ span_id: span(4).span_id, step_index: 4 });
    expect(label.agent).toBe('Billing');
  });

  it('gives a turn its fault in the blind numbering, with the turn; a control and a scripted hallucination get none', () => {
    const { trace, label } = pairs.get(CONVERSATION)!;
    expect(label.kind).toBeNull();
    const failed = trace.spans.filter((s) => s.status === 'error');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.attributes['http.response.status_code']).toBe(429);
    // The turn's span precedes its calls: the 429 is the first model call after the span of turn 2.
    const turn2 = trace.spans.find((s) => s.attributes['conversation.turn'] === 2)!;
    expect(failed[0]!.step_index).toBe(turn2.step_index! + 1);
    expect(label.injected_faults).toEqual([
      {
        source: 'script',
        site: { model_call: 1, turn: 2 },
        step_index: failed[0]!.step_index,
        span_id: failed[0]!.span_id,
        step_kind: 'llm',
        agent: 'weather-chat',
        turn: 2,
        fault: { status: 429, retry_after_ms: 1 },
      },
    ]);

    expect(pairs.get('desk-faults')!.label).toMatchObject({ kind: null, injected_faults: [] });
    // A hallucination scripted as the model's reply: a failure, but nothing was injected.
    expect(pairs.get(FIXTURE)!.label).toMatchObject({ kind: 'hallucination_flag', injected_faults: [] });
    expect(pairs.get(FIXTURE)!.label.location).not.toBeNull();
  });

  it('keeps the blind traces blind: no fault, site or source in them', () => {
    const leaks = [
      'injected',
      '"fault"',
      '"site"',
      '"source"',
      'retry_after_ms',
      'triage-429-lookup-fails',
      '"variant"',
      '"script"',
    ].filter((needle) => tracesText.includes(needle));
    expect(leaks).toEqual([]);
    for (const { trace } of pairs.values()) expect(Object.keys(trace)).not.toContain('injected_faults');
  });

  it('numbers a fault by the blind trace when a check precedes its step, and refuses a record at odds with itself', () => {
    const record = records.get(VARIANT)!;
    const before = blindTraceOf(record, 's').label.injected_faults;
    // The same run with a check step first: every record index moves up by one; the blind ones do not.
    const check = { ...record.steps.find((s) => s.type === 'check')!, index: 0 };
    const shifted: TraceRecord = {
      ...record,
      steps: [check, ...record.steps.map((s) => ({ ...s, index: s.index + 1 }))],
      injected_faults: record.injected_faults.map((f) => ({ ...f, step_index: f.step_index! + 1 })),
    };
    expect(blindTraceOf(shifted, 's').label.injected_faults.map((f) => f.step_index)).toEqual(
      before.map((f) => f.step_index),
    );
    expect(before.map((f) => f.step_index)).toEqual([0, 3]);
    // Listed in step order whatever the record's order (it lists the script's, the MCP proxy's, then the live faults).
    const reversed = { ...record, injected_faults: [...record.injected_faults].reverse() };
    expect(blindTraceOf(reversed, 's').label.injected_faults).toEqual(before);
    // A fault said to be on a model call whose step is a tool call: no label is better than a wrong one.
    const wrong: TraceRecord = {
      ...record,
      injected_faults: [{ ...record.injected_faults[0]!, step_index: 3 }],
    };
    expect(() => blindTraceOf(wrong, 's')).toThrow(ContractViolationError);
    expect(() => blindTraceOf(wrong, 's')).toThrow(/injected_faults\[0\] names step 3 as a model_call/);
  });

  it('lab score scores step and agent attribution against the injected faults apart from the detector location', async () => {
    const labels = path.join(out, 'test', 'labels.ndjson');
    const gold = (await readFile(labels, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => DatasetLabel.parse(JSON.parse(l)));
    const variant = pairs.get(VARIANT)!.label;
    const score = async (guess: { step: number; agent: string }) => {
      const predictions = path.join(out, `guess-${guess.step}-${guess.agent}.ndjson`);
      await writeFile(
        predictions,
        gold
          .map((l) => {
            const p =
              l.trace_id === variant.trace_id ? { ...l, location: { step_index: guess.step }, agent: guess.agent } : l;
            return `${JSON.stringify(p)}\n`;
          })
          .join(''),
      );
      const run = await runMain(['score', '--labels', labels, '--predictions', predictions, '--json']);
      expect(run.code, run.stderr).toBe(0);
      const { overall } = JSON.parse(run.stdout) as {
        overall: Record<string, { value: number | null; count: number }>;
      };
      return [
        overall.step_attribution!.value,
        overall.injected_step_attribution!.value,
        overall.injected_agent_attribution!.value,
        overall.injected_step_attribution!.count,
      ];
    };
    // Only the variant is scored against injected faults: the control and the conversation passed,
    // and the scripted hallucination had none. The fixture's own location is right in every guess.
    expect(await score({ step: 4, agent: 'Billing' })).toEqual([1, 0, 1, 1]); // the detector's answer
    expect(await score({ step: 3, agent: 'Billing' })).toEqual([0.5, 1, 1, 1]); // the failed tool call
    expect(await score({ step: 0, agent: 'Triage' })).toEqual([0.5, 1, 1, 1]); // the 429
    expect(await score({ step: 1, agent: 'Triage' })).toEqual([0.5, 0, 1, 1]); // the retry, which was not broken
    expect(await score({ step: 2, agent: 'Nobody' })).toEqual([0.5, 0, 0, 1]);
  });
});
