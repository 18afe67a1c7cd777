// Part: `lab dataset` over 10,000 runs: the time to turn them into blind traces and labels and
// write them (lab format, and TRAIL's one-file-per-trace layout), and `lab score` of the gold
// labels. The runs are real: every shipped scenario captured once, then cloned with new ids up to
// 10,000 (as for the report's part).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCapture } from '../../src/capture/run-capture.ts';
import type { DatasetLabel } from '../../src/contracts/dataset-label.ts';
import type { LabRecord } from '../../src/contracts/lab-record.ts';
import { writeDataset } from '../../src/dataset/write-dataset.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { scorePredictions } from '../../src/score/score-predictions.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { cloneRuns } from '../../test/report/clone-runs.ts';
import { type BenchContext, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export async function benchDataset({ quick, rows }: BenchContext, server: ScriptedModelServer): Promise<void> {
  const runs = quick ? 1000 : 10_000;
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
    // Command subjects start a process a run: they add minutes and nothing to what is measured here.
    ({ scenario }) => !scenario.tags.includes('command'),
  );
  const source = new MemoryStore();
  await runCapture({ scenarios, subjects, store: source, model: server, concurrency: 8, buildId: 'bench-dataset' });
  const records: LabRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { records: LabRecord[]; cursor: string | null } = await source.query({
      record_type: 'all',
      limit: 500,
      cursor,
    });
    records.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  const store = new MemoryStore();
  await store.putMany(cloneRuns(records, runs));
  const label = runs.toLocaleString('en-US');
  for (const format of ['lab', 'trail'] as const) {
    const out = await mkdtemp(path.join(tmpdir(), 'lab-bench-dataset-'));
    const started = performance.now();
    const manifest = await writeDataset({
      store,
      out,
      format,
      splits: [
        { name: 'dev', fraction: 0.5 },
        { name: 'test', fraction: 0.5 },
      ],
      seed: 'bench',
    });
    const ms = performance.now() - started;
    const written = Object.values(manifest.splits).reduce((n, s) => n + s.traces, 0);
    rows.push(
      row({
        name: `dataset: write ${label} runs as blind traces and labels (${format} format${format === 'trail' ? ', failures only: one file per trace and one per annotation' : ''})`,
        unit: 's',
        lab: ms / 1000,
        note: `${written.toLocaleString('en-US')} traces written; ${((ms / written) * 1000).toFixed(0)} µs a trace`,
      }),
    );
    if (format === 'lab') {
      const labels = (await readFile(path.join(out, 'test', 'labels.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as DatasetLabel);
      const scored = performance.now();
      scorePredictions(labels, labels);
      rows.push(
        row({
          name: `score: the gold labels of ${labels.length.toLocaleString('en-US')} traces against themselves`,
          unit: 'ms',
          lab: performance.now() - scored,
        }),
      );
    }
    await rm(out, { recursive: true, force: true });
  }
}
