import { describe, expect, it } from 'vitest';
import type { LabRecord } from '../../src/contracts/lab-record.ts';
import { recordTypeOf } from '../../src/contracts/lab-record.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { compareBuilds } from '../../src/report/compare-builds.ts';
import { gatherReportData } from '../../src/report/gather-report-data.ts';
import { internValues, resolveValues } from '../../src/report/intern-values.ts';
import { markdownToHtml } from '../../src/report/markdown-html.ts';
import { durationBuckets } from '../../src/report/overview.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { fixtureLedger, fixtureStoreRecords, uuid } from './fixture-records.ts';

async function stores(records: LabRecord[] = fixtureStoreRecords(), ledgerRecords = fixtureLedger()) {
  const store = new MemoryStore();
  for (const r of records) await store.put(r);
  const ledger = new MemoryLedger();
  for (const r of ledgerRecords) await ledger.create(r);
  return { store, ledger };
}

describe('gatherReportData', () => {
  it('counts one build: matched and mismatched, the confusion matrix, kinds, subjects, failure types, depths, recovery', async () => {
    const data = await gatherReportData({ ...(await stores()), buildId: 'b1' });
    const o = data.overview;
    expect(data.runs.map((r) => r.scenario_id)).toEqual([
      'calc-correct',
      'forecast-retries-exhausted',
      'extractor-missing-field',
      'qa-cites-missing-doc',
      'qa-model-hangs',
      'planner-valid-plan',
      'qa-answer-control',
    ]);
    expect({ runs: o.runs, matched: o.matched, mismatched: o.mismatched, stored: o.stored }).toEqual({
      runs: 7,
      matched: 6,
      mismatched: 1,
      stored: 7,
    });
    expect(o.mismatches).toEqual([uuid(6, 1)]);
    const cell = (expected: string, detected: string) =>
      o.confusion.find((c) => c.expected === expected && c.detected === detected)!.count;
    expect(cell('pass', 'pass')).toBe(2);
    expect(cell('pass', 'exception')).toBe(1);
    expect(cell('timeout', 'timeout')).toBe(1);
    expect(o.confusion).toHaveLength(25);
    expect(Object.fromEntries(o.by_detected.map((c) => [c.key, c.count]))).toEqual({
      timeout: 1,
      exception: 2,
      validation_error: 1,
      hallucination_flag: 1,
      pass: 2,
    });
    expect(o.by_subject.map((s) => [s.subject_id, s.runs, s.mismatched])).toEqual([
      ['calculator-agent', 2, 0],
      ['cited-qa', 2, 0],
      ['forecast-agent', 1, 0],
      ['invoice-extractor', 1, 0],
      ['trip-planner', 1, 1],
    ]);
    expect(Object.fromEntries(o.by_failure_type.map((c) => [c.key, c.count]))).toEqual({
      none: 2,
      error: 2,
      timeout: 1,
      violation: 2,
      resource: 0,
    });
    // The retried tool failure, then the agent: a cascade of two levels, and one failed recovery.
    const forecast = data.runs.find((r) => r.scenario_id === 'forecast-retries-exhausted')!;
    expect(forecast.cascade_depth).toBe(2);
    expect(forecast.recovery).toBe('failed');
    expect(Object.fromEntries(o.recovery.map((c) => [c.key, c.count]))).toEqual({
      none: 6,
      recovered: 0,
      degraded: 0,
      failed: 1,
    });
    expect(o.cascade_depths.reduce((n, d) => n + d.count, 0)).toBe(7);
    expect(o.durations.reduce((n, b) => n + b.count, 0)).toBe(7);
  });

  it("keeps a run's evidence: validation issues with paths, grounding flags with what was known, the error with class and cause, the cascade, the recovery, the OpenTelemetry ids", async () => {
    const data = await gatherReportData({ ...(await stores()), buildId: 'b1' });
    const d = (scenario: string) => data.details[data.runs.find((r) => r.scenario_id === scenario)!.trace_id]!;
    expect(d('extractor-missing-field').failure!.validation!.issues.map((i) => i.path)).toEqual([
      'line_items[0].amount',
      'currency',
    ]);
    expect(d('qa-cites-missing-doc').failure!.grounding!.flags[0]).toMatchObject({
      claim: 'doc-9',
      known: ['doc-1', 'doc-2'],
    });
    const forecast = d('forecast-retries-exhausted');
    expect(forecast.failure!.error).toMatchObject({
      class: 'Error',
      cause: { class: 'TypeError', message: 'fetch failed' },
    });
    expect(forecast.failure!.error!.stack).toContain('at callModel');
    expect(forecast.failure_traces[0]!.nodes.map((n) => [n.hop, n.failure_type, n.parent, n.own])).toEqual([
      [0, 'error', null, false],
      [1, 'propagated', 0, true],
    ]);
    expect(forecast.failure_traces[0]!.nodes[0]!.where).toBe('step 0: execute_tool get_forecast');
    expect(forecast.recovery_traces[0]).toMatchObject({
      final_outcome: 'failed',
      actions: [{ action_type: 'retry', target: 'get_forecast' }],
    });
    expect(forecast.steps.map((s) => [s.index, s.type, s.status])).toEqual([
      [0, 'tool_call', 'error'],
      [1, 'recovery', 'ok'],
      [2, 'tool_call', 'error'],
    ]);
    expect(forecast.otel.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(d('calc-correct').steps[0]!.previews.map((p) => p.label)).toEqual(['request', 'response']);
  });

  it('derives the cascade and recovery again, with stable ids, when the store holds runs alone', async () => {
    const runsOnly = fixtureStoreRecords().filter((r) => recordTypeOf(r) === 'trace_record');
    const stored = await gatherReportData({ ...(await stores()), buildId: 'b1' });
    const derived = await gatherReportData({ ...(await stores(runsOnly)), buildId: 'b1' });
    expect(derived.runs).toEqual(stored.runs);
    const id = uuid(2, 1);
    expect(derived.details[id]!.derived).toBe(true);
    expect(stored.details[id]!.derived).toBeUndefined();
    expect(derived.details[id]!.failure_traces[0]!.nodes).toEqual(stored.details[id]!.failure_traces[0]!.nodes);
    const again = await gatherReportData({ ...(await stores(runsOnly)), buildId: 'b1' });
    expect(again).toEqual(derived);
  });

  it('reads every build without --build-id, and the ledger as of just after the newest record', async () => {
    const data = await gatherReportData(await stores());
    expect(data.runs).toHaveLength(13);
    expect(data.overview.builds.map((b) => [b.build_id, b.runs])).toEqual([
      ['b1', 7],
      ['b2', 6],
    ]);
    expect(data.as_of).toBe('2026-03-03T10:00:06.043Z');
    expect(data.as_of_source).toBe('records');
    const l = data.ledger!;
    expect(l.records).toBe(8);
    expect(l.records_in_build).toBeNull();
    expect(Object.fromEntries(l.by_status.map((s) => [s.key, s.count]))).toEqual({
      OPEN: 6,
      INVESTIGATING: 0,
      RESOLVED: 1,
      PREVENTED: 1,
    });
    expect(l.open.map((f) => f.severity)).toEqual(['CRITICAL', 'CRITICAL', 'CRITICAL', 'HIGH', 'MEDIUM', 'MEDIUM']);
    expect(l.open_by_category_severity.find((c) => c.category === 'QA' && c.severity === 'CRITICAL')!.count).toBe(3);
    expect(l.prevented).toEqual([
      expect.objectContaining({
        failure_id: uuid(3, 2),
        regression: 'extractor-missing-field-regression',
        fingerprint_held: true,
      }),
    ]);
    expect(l.escalations).toHaveLength(1);
    // CRITICAL: 4 hours. qa-model-hangs was resolved after 6: late; the open CRITICALs are past theirs.
    expect(l.breaches.map((b) => [b.severity, b.overdue, b.resolved_late])).toContainEqual(['CRITICAL', false, true]);
    expect(l.mttr[0]).toMatchObject({ group: 'all', records: 8, resolved: 2 });
    expect(l.weekly_markdown).toMatch(/^# Weekly failure report/);
    expect(l.monthly_markdown).toMatch(/^# Monthly failure trends/);
    expect(l.open.find((f) => f.failure_id === uuid(2, 2))!.trace_id).toBe(uuid(2, 1));
  });

  it('takes --as-of when given, and leaves out what the ledger recorded after it', async () => {
    const data = await gatherReportData({
      ...(await stores()),
      asOf: { time: '2026-03-02T12:30:00.000Z', source: 'flag' },
    });
    expect(data.as_of).toBe('2026-03-02T12:30:00.000Z');
    expect(data.ledger!.records).toBe(5);
    expect(Object.fromEntries(data.ledger!.by_status.map((s) => [s.key, s.count]))).toEqual({
      OPEN: 3,
      INVESTIGATING: 2,
      RESOLVED: 0,
      PREVENTED: 0,
    });
  });

  it('compares two builds: the changed kind, new failures and failures gone (by fingerprint), scenarios added and removed', async () => {
    const data = await gatherReportData({ ...(await stores()), buildId: 'b2', baselineId: 'b1' });
    const c = data.compare!;
    expect(c.failures_by).toBe('fingerprint');
    expect(c.scenarios_added).toEqual(['trip-plan-added']);
    expect(c.scenarios_removed).toEqual(['calc-correct', 'qa-model-hangs']);
    expect(c.kind_changed).toEqual([
      expect.objectContaining({
        scenario_id: 'qa-answer-control',
        baseline: 'pass',
        current: 'hallucination_flag',
        baseline_trace_id: uuid(7, 1),
        trace_id: uuid(11, 1),
      }),
    ]);
    expect(c.new_failures.map((f) => f.scenarios)).toEqual([['qa-answer-control']]);
    expect(c.failures_gone.map((f) => f.scenarios).sort()).toEqual([
      ['extractor-missing-field'],
      ['qa-cites-missing-doc'],
      ['qa-model-hangs'],
    ]);
    // The baseline run a changed kind names has a view too.
    expect(data.details[uuid(7, 1)]).toBeDefined();
    expect(data.runs.every((r) => r.build_id === 'b2')).toBe(true);
  });

  it('compares by scenario and kind when the ledger holds neither build', () => {
    const row = (scenario: string, detected: 'pass' | 'timeout', build: string, n: number) => ({
      trace_id: `t${n}`,
      failure_id: null,
      build_id: build,
      scenario_id: scenario,
      subject_id: 's',
      repeat_index: 0,
      expected: 'pass' as const,
      detected,
      started_at: '2026-01-01T00:00:00.000Z',
      duration_ms: 1,
      cascade_depth: 0,
      recovery: 'none' as const,
      failure_type: 'none' as const,
      message: null,
      steps: 0,
    });
    const c = compareBuilds({
      baselineId: 'a',
      buildId: 'b',
      baseline: [row('x', 'pass', 'a', 1), row('y', 'timeout', 'a', 2)],
      current: [row('x', 'timeout', 'b', 3), row('y', 'pass', 'b', 4)],
      ledger: [],
      runIds: new Set(),
    });
    expect(c.failures_by).toBe('scenario_and_kind');
    expect(c.new_failures.map((f) => f.key)).toEqual(['x timeout']);
    expect(c.failures_gone.map((f) => f.key)).toEqual(['y timeout']);
    expect(c.kind_changed.map((k) => [k.scenario_id, k.baseline, k.current])).toEqual([
      ['x', 'pass', 'timeout'],
      ['y', 'timeout', 'pass'],
    ]);
  });

  it('gives the same data whatever order the store received the records in', async () => {
    const records = fixtureStoreRecords();
    const a = await gatherReportData(await stores(records));
    const b = await gatherReportData(await stores([...records].reverse(), [...fixtureLedger()].reverse()));
    expect(b).toEqual(a);
  });

  it('reports nothing, without failing, from empty stores', async () => {
    const data = await gatherReportData(await stores([], []));
    expect(data.overview.runs).toBe(0);
    expect(data.as_of).toBeNull();
    expect(data.ledger!.records).toBe(0);
  });
});

describe('the pieces', () => {
  it('internValues keeps repeated large values once and resolveValues restores them exactly', () => {
    const long = 'x'.repeat(60);
    const list = Array.from({ length: 25 }, (_, i) => i);
    const value = {
      a: { text: long, n: 1, list },
      b: { text: long, n: 2, list: [...list] },
      c: { short: 'y', text: 'unique '.repeat(10) },
    };
    const interned = internValues(value);
    expect(interned.texts).toEqual([long, list]);
    expect(interned.value.a).toEqual({ text: { $t: 0 }, n: 1, list: { $t: 1 } });
    expect(interned.value.c).toEqual(value.c);
    expect(resolveValues(interned.value, interned.texts)).toEqual(value);
    expect(JSON.stringify(internValues(value))).toBe(JSON.stringify(interned));
  });

  it('durationBuckets counts in 1-2-5 buckets and drops empty ones at both ends', () => {
    const buckets = durationBuckets([0.5, 3, 3, 40_000]);
    expect(buckets[0]).toMatchObject({ label: '<1ms', count: 1 });
    expect(buckets.find((b) => b.label === '2–5ms')!.count).toBe(2);
    expect(buckets.at(-1)).toMatchObject({ label: '≥30s', count: 1 });
    expect(buckets.find((b) => b.label === '200–500ms')).toBeDefined();
    expect(buckets.find((b) => b.label === '0.5–1s')).toBeDefined();
    expect(durationBuckets([])).toEqual([]);
  });

  it("markdownToHtml turns the reports' Markdown into HTML and escapes the rest", () => {
    const html = markdownToHtml(
      '# Title\n\nSome **bold** and `code` <b>.\n\n- one\n- two\n\n| A | B |\n|---|---:|\n| x \\| y | 3 |\n',
      { shift: 2, idPrefix: 't' },
    );
    expect(html).toBe(
      '<h3 id="t-1">Title</h3>\n<p>Some <strong>bold</strong> and <code>code</code> &lt;b&gt;.</p>\n<ul><li>one</li><li>two</li></ul>\n' +
        '<div class="table-wrap"><table><thead><tr><th scope="col">A</th><th scope="col" class="num">B</th></tr></thead><tbody><tr><th scope="row">x | y</th><td class="num">3</td></tr></tbody></table></div>',
    );
  });
});
