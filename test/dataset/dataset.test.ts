import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../examples/baseline-analyzer.ts';
import { BlindTrace } from '../../src/contracts/blind-trace.ts';
import { DatasetLabel } from '../../src/contracts/dataset-label.ts';
import { DatasetManifest } from '../../src/contracts/dataset-manifest.ts';
import { FAILURE_KINDS } from '../../src/contracts/failure-kind.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import type { TrailAnnotation, TrailTrace } from '../../src/dataset/trail-layout.ts';
import { inProcessScenarios } from '../helpers/in-process-scenarios.ts';
import { readTree } from '../helpers/secret-canary.ts';
import { runMain } from '../helpers/run-cli.ts';

// One capture of the whole shipped corpus into a files store, read by every test here.
let store: string;
let records: TraceRecord[];

beforeAll(async () => {
  store = await mkdtemp(path.join(tmpdir(), 'dataset-store-'));
  // The in-process subjects' scenarios: a command subject's process starts add time and nothing here.
  const scenarios = await inProcessScenarios();
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
  const dir = path.join(store, 'records');
  records = [];
  for (const name of await readdir(dir)) {
    const json = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as { scenario_id?: unknown };
    if (typeof json.scenario_id === 'string') records.push(TraceRecord.parse(json));
  }
}, 300_000);

async function dataset(args: string[]): Promise<string> {
  const out = await mkdtemp(path.join(tmpdir(), 'dataset-'));
  const run = await runMain(['dataset', '--store', 'files', '--dir', store, '--out', out, ...args]);
  expect(run.code, run.stderr).toBe(0);
  return out;
}

const ndjson = async (file: string) =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as unknown);

describe('lab dataset --format lab', () => {
  it("writes blind traces in which nothing of the lab's verdict shows: no scenario id, kind name, check name or failure message", async () => {
    const out = await dataset(['--split', 'train=0.7,test=0.3', '--seed', '11']);
    const manifest = DatasetManifest.parse(JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')));
    expect(manifest.splits.train!.traces + manifest.splits.test!.traces).toBe(records.length);
    expect(manifest.left_out.mismatched).toBe(0);
    expect(manifest.scenario_set?.files).toBeGreaterThan(100); // the shipped scenarios/ folder, hashed

    let text = '';
    for (const split of ['train', 'test']) {
      const traces = (await ndjson(path.join(out, split, 'traces.ndjson'))).map((t) => BlindTrace.parse(t));
      const labels = (await ndjson(path.join(out, split, 'labels.ndjson'))).map((l) => DatasetLabel.parse(l));
      expect(labels.map((l) => l.trace_id)).toEqual(traces.map((t) => t.trace_id));
      for (const [i, label] of labels.entries()) {
        if (label.location === null) continue;
        const span = traces[i]!.spans.find((s) => s.span_id === label.location!.span_id);
        expect(span, `the label's span is in its trace ${label.trace_id}`).toBeDefined();
        expect(span!.step_index).toBe(label.location.step_index);
      }
      text += await readFile(path.join(out, split, 'traces.ndjson'), 'utf8');
    }
    const storedIds = new Set(records.flatMap((r) => [r.trace_id, r.otel.trace_id, r.otel.span_id]));
    const leaks: string[] = [];
    const needles = new Set<string>([
      ...records.map((r) => r.scenario_id),
      ...records.flatMap((r) => (r.failure ? [r.failure.message] : [])),
      ...FAILURE_KINDS.filter((k) => k.includes('_')),
      ...FAILURE_KINDS.map((k) => `"${k}"`),
      'output_schema',
      'model_output_schema',
      'numbers_in_sources',
      'quotes_in_sources',
      'cited_ids_exist',
      'declared_tools_only',
      'ground_truth',
      'check output',
      'check grounding',
      '"lab.',
      // Nothing of the injected faults (they are in the labels only): no fault, site or source.
      'injected',
      '"fault"',
      '"site"',
      'retry_after_ms',
      ...storedIds,
    ]);
    for (const needle of needles) if (text.includes(needle)) leaks.push(needle);
    expect(leaks).toEqual([]);
  }, 120_000);

  it('is reproducible from its seed: the same bytes twice, other ids from another seed, every stratum split by its fraction', async () => {
    const a = await dataset(['--split', 'train=0.5,test=0.5', '--seed', 'x']);
    const b = await dataset(['--split', 'train=0.5,test=0.5', '--seed', 'x']);
    const c = await dataset(['--split', 'train=0.5,test=0.5', '--seed', 'y']);
    expect(await readTree(a)).toBe(await readTree(b));
    const ids = async (dir: string) =>
      (await ndjson(path.join(dir, 'test', 'labels.ndjson'))).map((l) => (l as DatasetLabel).trace_id);
    const before = new Set(await ids(a));
    expect((await ids(c)).filter((id) => before.has(id))).toEqual([]);
    const manifest = DatasetManifest.parse(JSON.parse(await readFile(path.join(a, 'manifest.json'), 'utf8')));
    const { train, test } = manifest.splits;
    expect(Math.abs(train!.traces - test!.traces)).toBeLessThanOrEqual(1);
    for (const kind of Object.keys({ ...train!.by_kind, ...test!.by_kind }))
      expect(Math.abs((train!.by_kind[kind] ?? 0) - (test!.by_kind[kind] ?? 0))).toBeLessThanOrEqual(
        // each stratum (kind and subject) is split within one trace, so a kind within one per subject
        Object.keys(train!.by_subject).length,
      );
  }, 120_000);

  it('refuses a bad --split or --format with exit 2, naming the fix', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'dataset-bad-'));
    const sum = await runMain(['dataset', '--store', 'files', '--dir', store, '--out', out, '--split', 'a=0.5,b=0.4']);
    expect(sum.code).toBe(2);
    expect(sum.stderr).toContain('must add up to 1');
    const shape = await runMain(['dataset', '--store', 'files', '--dir', store, '--out', out, '--split', 'a:1']);
    expect(shape.code).toBe(2);
    expect(shape.stderr).toContain('NAME=FRACTION');
    const noOut = await runMain(['dataset', '--store', 'files', '--dir', store]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out DIR');
  }, 60_000);
});

describe('lab score', () => {
  it('gives 1 everywhere for the gold labels, and lower figures for the rule-based baseline', async () => {
    const out = await dataset([]);
    const labels = path.join(out, 'test', 'labels.ndjson');
    const gold = await runMain(['score', '--labels', labels, '--predictions', labels, '--json']);
    expect(gold.code, gold.stderr).toBe(0);
    const report = JSON.parse(gold.stdout) as { overall: Record<string, { value: number | null; count: number }> };
    const injected = ['injected_step_attribution', 'injected_agent_attribution'];
    for (const [name, score] of Object.entries(report.overall)) {
      if (name === 'confusion' || injected.includes(name)) continue;
      expect(score.count, name).toBeGreaterThan(0);
      expect(score.value, name).toBe(1);
    }
    // Against the injected faults the gold labels score how often the detector's location is an
    // injected fault's step (agent): another ground truth, which a failure need not show where it was injected.
    const golds = (await ndjson(labels)).map((l) => DatasetLabel.parse(l));
    const scored = golds.filter((l) => l.kind !== null && l.injected_faults.some((f) => f.step_index !== null));
    const agree = (hit: (l: DatasetLabel, f: DatasetLabel['injected_faults'][number]) => boolean) =>
      scored.filter((l) => l.injected_faults.some((f) => f.step_index !== null && hit(l, f))).length / scored.length;
    expect(scored.length).toBeGreaterThan(10);
    expect(report.overall.injected_step_attribution).toEqual({
      value: agree((l, f) => f.step_index === l.location!.step_index),
      count: scored.length,
    });
    expect(report.overall.injected_agent_attribution).toEqual({
      value: agree((l, f) => f.agent === l.agent),
      count: scored.length,
    });
    expect(report.overall.injected_step_attribution!.value).toBeLessThan(1); // e.g. a tool error, then a hallucinated reply
    // An analyzer that names the first injected fault's step and agent scores 1 against them.
    const byFault = path.join(out, 'by-fault.ndjson');
    await writeFile(
      byFault,
      golds
        .map((l) => {
          const f = l.injected_faults.find((x) => x.step_index !== null);
          return `${JSON.stringify(f ? { trace_id: l.trace_id, kind: l.kind, location: { step_index: f.step_index }, agent: f.agent } : { trace_id: l.trace_id })}\n`;
        })
        .join(''),
    );
    const perfect = await runMain(['score', '--labels', labels, '--predictions', byFault, '--json']);
    const perfectReport = JSON.parse(perfect.stdout) as typeof report;
    expect(perfectReport.overall.injected_step_attribution).toEqual({ value: 1, count: scored.length });
    expect(perfectReport.overall.injected_agent_attribution).toEqual({ value: 1, count: scored.length });

    const traces = (await ndjson(path.join(out, 'test', 'traces.ndjson'))).map((t) => BlindTrace.parse(t));
    const predictions = path.join(out, 'baseline.ndjson');
    await writeFile(predictions, traces.map((t) => `${JSON.stringify(analyze(t))}\n`).join(''));
    const baseline = await runMain(['score', '--labels', labels, '--predictions', predictions, '--json']);
    expect(baseline.code, baseline.stderr).toBe(0);
    const weak = JSON.parse(baseline.stdout) as typeof report & { by_kind: Record<string, unknown> };
    expect(weak.overall.kind_accuracy!.value).toBeLessThan(0.9);
    expect(weak.overall.kind_accuracy!.value).toBeGreaterThan(0.3);
    expect(weak.overall.mast_accuracy!.count).toBe(0); // the baseline says nothing of MAST: not scored
    expect(Object.keys(weak.by_kind).sort()).toEqual([...FAILURE_KINDS, 'pass'].sort());
  }, 120_000);

  it('counts and lists missing and unknown traces, and names the line of bad input (exit 2)', async () => {
    const out = await dataset([]);
    const labels = path.join(out, 'test', 'labels.ndjson');
    const lines = (await readFile(labels, 'utf8')).trim().split('\n');
    const partial = path.join(out, 'partial.ndjson');
    const stranger = { trace_id: 'f'.repeat(32), kind: null };
    await writeFile(partial, `${lines.slice(1).join('\n')}\n${JSON.stringify(stranger)}\n`);
    const run = await runMain(['score', '--labels', labels, '--predictions', partial, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { missing: string[]; unknown: string[]; scored: number };
    expect(report.missing).toEqual([(JSON.parse(lines[0]!) as DatasetLabel).trace_id]);
    expect(report.unknown).toEqual([stranger.trace_id]);
    expect(report.scored).toBe(lines.length - 1);

    const bad = path.join(out, 'bad.ndjson');
    await writeFile(bad, `${lines[0]}\n{"trace_id": "${'a'.repeat(32)}", "kind": "crash"}\n`);
    const refused = await runMain(['score', '--labels', labels, '--predictions', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${bad}:2: kind`);
    await writeFile(bad, 'not json\n');
    const notJson = await runMain(['score', '--labels', labels, '--predictions', bad]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain(`${bad}:1: not JSON`);
  }, 120_000);
});

/**
 * TRAIL's metrics by their published definitions (benchmarking/calculate_scores.py): per
 * annotation file, location accuracy = |gold locations ∩ predicted| / |gold locations| and joint
 * accuracy the same over (location, category) pairs, averaged over the files; weighted F1 over
 * one-hot category rows, each category's F1 weighted by its gold support.
 */
function trailMetrics(gold: TrailAnnotation[], predicted: TrailAnnotation[]) {
  let location = 0;
  let joint = 0;
  const rows: [Set<string>, Set<string>][] = [];
  gold.forEach((g, i) => {
    const p = predicted[i]!;
    const gl = new Set(g.errors.map((e) => e.location));
    const pl = new Set(p.errors.map((e) => e.location));
    const gp = new Set(g.errors.map((e) => `${e.location}\u0000${e.category}`));
    const pp = new Set(p.errors.map((e) => `${e.location}\u0000${e.category}`));
    location += gl.size ? [...gl].filter((x) => pl.has(x)).length / gl.size : 0;
    joint += gp.size ? [...gp].filter((x) => pp.has(x)).length / gp.size : 0;
    rows.push([new Set(g.errors.map((e) => e.category)), new Set(p.errors.map((e) => e.category))]);
  });
  const categories = new Set(rows.flatMap(([g]) => [...g]));
  let weighted = 0;
  let support = 0;
  for (const c of categories) {
    const tp = rows.filter(([g, p]) => g.has(c) && p.has(c)).length;
    const fp = rows.filter(([g, p]) => !g.has(c) && p.has(c)).length;
    const fn = rows.filter(([g, p]) => g.has(c) && !p.has(c)).length;
    weighted += (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)) * (tp + fn);
    support += tp + fn;
  }
  return { location: location / gold.length, joint: joint / gold.length, weightedF1: weighted / support };
}

describe('lab dataset --format trail', () => {
  it("writes TRAIL's own layout, failures only, which TRAIL's metrics score 1.0 for the gold labels", async () => {
    const out = await dataset(['--format', 'trail', '--split', 'dev=0.5,test=0.5']);
    const manifest = DatasetManifest.parse(JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')));
    expect(manifest.left_out.no_error).toBe(records.filter((r) => r.failure === null).length);
    for (const split of ['dev', 'test']) {
      const data = (await readdir(path.join(out, split, 'data'))).sort();
      const annotations = (await readdir(path.join(out, split, 'annotations'))).sort();
      expect(annotations).toEqual(data);
      expect(data.length).toBe(manifest.splits[split]!.traces);
      const gold: TrailAnnotation[] = [];
      for (const file of annotations) {
        const annotation = JSON.parse(
          await readFile(path.join(out, split, 'annotations', file), 'utf8'),
        ) as TrailAnnotation;
        const trace = JSON.parse(await readFile(path.join(out, split, 'data', file), 'utf8')) as TrailTrace;
        expect(`${trace.trace_id}.json`).toBe(file);
        expect(annotation.errors.length).toBeGreaterThan(0);
        gold.push(annotation);
      }
      // As scored by TRAIL: the gold annotations as the generated ones.
      expect(trailMetrics(gold, gold)).toEqual({ location: 1, joint: 1, weightedF1: 1 });
      // And a prediction that says "no errors" everywhere scores 0, as TRAIL scores it.
      expect(
        trailMetrics(
          gold,
          gold.map(() => ({ errors: [], scores: [] })),
        ),
      ).toEqual({ location: 0, joint: 0, weightedF1: 0 });
      const rows = (await ndjson(path.join(out, split, 'trail.jsonl'))) as { trace: unknown; labels: unknown }[];
      expect(rows).toHaveLength(data.length);
      for (const row of rows) {
        expect(typeof row.trace).toBe('string');
        expect(typeof row.labels).toBe('string');
      }
    }
  }, 120_000);
});
