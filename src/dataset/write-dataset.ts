import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetManifest } from '../contracts/dataset-manifest.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { TraceStore } from '../store/trace-store.ts';
import { LAB_VERSION } from '../internal/lab-version.ts';
import { type BlindPair, blindTraceOf } from './blind-trace-of.ts';
import { type SplitSpec, stratifiedSplit } from './split.ts';
import { trailAnnotationOf, trailRowOf, trailTraceOf } from './trail-layout.ts';

/** The layouts `lab dataset` writes. */
export const DATASET_FORMATS = ['lab', 'trail'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** What to write, and where. */
export interface DatasetOptions {
  store: TraceStore;
  out: string;
  format: DatasetFormat;
  splits: readonly SplitSpec[];
  seed: string;
  buildId?: string;
  /** The scenario folder, hashed into the manifest when it exists. */
  scenariosDir?: string;
}

/** Runs read per page. */
const PAGE = 500;

/**
 * Writes a labelled dataset of blind traces (docs/analyzers.md): for each split, `traces.ndjson`
 * and `labels.ndjson` (format lab), or TRAIL's own layout, `data/<trace_id>.json` and
 * `annotations/<trace_id>.json` plus the single-file `trail.jsonl` (format trail); and
 * `manifest.json`. Only runs detected as their scenario expected, against the scripted server,
 * are written: every other label is not ground truth. The same records and seed give the same bytes.
 */
export async function writeDataset(options: DatasetOptions): Promise<DatasetManifest> {
  const { store, out, format, splits, seed } = options;
  const leftOut = { mismatched: 0, live: 0, no_error: 0, unmapped: 0 };
  const pairs: (BlindPair & { scenario: string })[] = [];
  let cursor: string | null = null;
  do {
    const page: { records: TraceRecord[]; cursor: string | null } = await store.query({
      record_type: 'trace_record',
      limit: PAGE,
      cursor,
      ...(options.buildId ? { build_id: options.buildId } : {}),
    });
    for (const record of page.records) {
      if (record.run.mode === 'live') leftOut.live++;
      else if (record.expected !== record.detected) leftOut.mismatched++;
      else pairs.push({ ...blindTraceOf(record, seed), scenario: record.scenario_id });
    }
    cursor = page.cursor;
  } while (cursor);

  let kept = pairs;
  if (format === 'trail') {
    kept = pairs.filter((p) => {
      if (p.label.kind === null) leftOut.no_error++;
      else if (trailAnnotationOf(p.label) === null) leftOut.unmapped++;
      else return true;
      return false;
    });
  }
  const dealt = stratifiedSplit(kept, splits, {
    seed,
    id: (p) => p.trace.trace_id,
    stratum: (p) => `${p.label.kind ?? 'pass'}\u0000${p.label.subject}`,
  });

  const manifest: DatasetManifest = {
    schema_version: 1,
    lab_version: LAB_VERSION,
    format,
    seed,
    build_id: options.buildId ?? null,
    splits: {},
    left_out: leftOut,
    scenario_set: options.scenariosDir ? await scenarioSetHash(options.scenariosDir) : null,
    runs_sha256: sha256(
      kept
        .map((p) => `${p.scenario}\u0000${JSON.stringify(p.label)}`)
        .sort()
        .join('\n'),
    ),
  };
  await mkdir(out, { recursive: true });
  for (const split of splits) {
    // Ordered by the drawn id, so a file's order says nothing of scenarios or kinds.
    const list = (dealt.get(split.name) ?? []).sort((a, b) => (a.trace.trace_id < b.trace.trace_id ? -1 : 1));
    const dir = path.join(out, split.name);
    await mkdir(dir, { recursive: true });
    if (format === 'lab') {
      await writeFile(path.join(dir, 'traces.ndjson'), lines(list.map((p) => p.trace)));
      await writeFile(path.join(dir, 'labels.ndjson'), lines(list.map((p) => p.label)));
    } else {
      await mkdir(path.join(dir, 'data'), { recursive: true });
      await mkdir(path.join(dir, 'annotations'), { recursive: true });
      const rows: string[] = [];
      for (const p of list) {
        const trace = trailTraceOf(p.trace);
        const annotation = trailAnnotationOf(p.label)!;
        await writeFile(path.join(dir, 'data', `${p.trace.trace_id}.json`), `${JSON.stringify(trace, null, 2)}\n`);
        await writeFile(
          path.join(dir, 'annotations', `${p.trace.trace_id}.json`),
          `${JSON.stringify(annotation, null, 2)}\n`,
        );
        rows.push(JSON.stringify(trailRowOf(trace, annotation)));
      }
      await writeFile(path.join(dir, 'trail.jsonl'), rows.length ? `${rows.join('\n')}\n` : '');
      // The lab-format labels beside TRAIL's files, so `lab score` reads either layout.
      await writeFile(path.join(dir, 'labels.ndjson'), lines(list.map((p) => p.label)));
    }
    manifest.splits[split.name] = {
      fraction: split.fraction,
      traces: list.length,
      by_kind: countBy(list, (p) => p.label.kind ?? 'pass'),
      by_subject: countBy(list, (p) => p.label.subject),
    };
  }
  await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function lines(values: readonly unknown[]): string {
  return values.map((v) => `${JSON.stringify(v)}\n`).join('');
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A hash of the scenario files (name, NUL, the file's sha256, newline; in name order), or null without the folder. */
async function scenarioSetHash(dir: string): Promise<DatasetManifest['scenario_set']> {
  let names: string[];
  try {
    names = (await readdir(dir, { recursive: true })).filter((n) => /\.(json|ya?ml)$/.test(n)).sort();
  } catch {
    return null;
  }
  const parts: string[] = [];
  for (const name of names)
    parts.push(
      `${name}\u0000${createHash('sha256')
        .update(await readFile(path.join(dir, name)))
        .digest('hex')}\n`,
    );
  return { sha256: sha256(parts.join('')), files: names.length };
}
