// Part 3: each TraceStore backend against its raw baseline, bulk against one-at-a-time capture
// into Cosmos, and files-store queries at 100,000 records.
import { storeKey } from '../../src/contracts/lab-record.ts';
import type { TracePage } from '../../src/store/trace-store.ts';
import { randomUUID } from 'node:crypto';
import { mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { runCapture } from '../../src/capture/run-capture.ts';
import { recordKey, type TraceRecord } from '../../src/contracts/trace-record.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';
import { cosmosConfigFromEnv } from '../../src/store/cosmos-config.ts';
import { clientOptions, CosmosStore, toDocument } from '../../src/store/cosmos-store.ts';
import { FilesStore } from '../../src/store/files-store.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { putEach, type TraceStore } from '../../src/store/trace-store.ts';
import { cosmosEnv, startCosmos } from '../../test/helpers/cosmos-server.ts';
import { makeRecord } from '../../test/helpers/records.ts';
import { type BenchContext, type BenchRow, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const KINDS = ['timeout', 'exception', 'validation_error', 'hallucination_flag', null] as const;

/** Operations per second of an async loop over items. */
async function rate<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (const item of items) await fn(item);
  return items.length / ((performance.now() - t) / 1000);
}

function records(n: number): TraceRecord[] {
  return Array.from({ length: n }, (_, i) =>
    makeRecord({
      kind: KINDS[i % KINDS.length],
      subject: `subject-${i % 6}`,
      scenario: `scenario-${i % 25}`,
      startedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    }),
  );
}

/** Alternates baseline and store runs and keeps the best of each, so drift hits both alike. */
async function compare(
  label: string,
  rounds: number,
  baseline: () => Promise<number>,
  store: () => Promise<number>,
  rows: BenchRow[],
  { target = true, note }: { target?: boolean; note?: string } = {},
): Promise<void> {
  let best = { base: 0, lab: 0 };
  for (let i = 0; i < rounds; i++)
    best = { base: Math.max(best.base, await baseline()), lab: Math.max(best.lab, await store()) };
  rows.push(
    row({
      name: `${label} against the raw baseline (best of ${rounds})`,
      unit: 'ops/s',
      baseline: best.base,
      lab: best.lab,
      ...(target ? { target: { on: 'ratio', op: '>=', value: 0.8 } } : {}),
      ...(note ? { note } : {}),
    }),
  );
}

export async function benchStores({ quick, rows }: BenchContext, server: ScriptedModelServer): Promise<void> {
  const rounds = quick ? 1 : 3;

  // Memory: a Map holding each record's JSON text is the least a store that returns copies can do.
  {
    const batch = records(quick ? 2_000 : 20_000);
    const map = new Map<string, string>();
    const memory = new MemoryStore();
    await compare(
      'memory put (n=' + batch.length + ')',
      rounds,
      () => rate(batch, async (r) => void map.set(recordKey(r), JSON.stringify(r))),
      () => rate(batch, (r) => memory.put(r)),
      rows,
      { target: false, note: 'no target: the contract check on the way in is the point of the memory store' },
    );
    await compare(
      'memory get',
      rounds,
      () => rate(batch, async (r) => JSON.parse(map.get(recordKey(r))!)),
      () => rate(batch, (r) => memory.get(recordKey(r))),
      rows,
    );
  }

  // Files: the raw baseline writes a temporary file, fsyncs it, renames it and fsyncs the folder,
  // which is what durability takes; the store adds its index and its contract check.
  {
    const batch = records(quick ? 200 : 1_000);
    const rawDir = await mkdtemp(path.join(tmpdir(), 'bench-raw-'));
    const storeDir = await mkdtemp(path.join(tmpdir(), 'bench-files-'));
    const store = await FilesStore.open(storeDir);
    const rawPut = async (r: TraceRecord) => {
      const tmp = path.join(rawDir, `${recordKey(r)}.${randomUUID()}.tmp`);
      const handle = await open(tmp, 'wx');
      await handle.writeFile(JSON.stringify(r));
      await handle.sync();
      await handle.close();
      await rename(tmp, path.join(rawDir, `${recordKey(r)}.json`));
      const dir = await open(rawDir, 'r');
      await dir.sync();
      await dir.close();
    };
    await compare(
      `files put, one at a time (n=${batch.length})`,
      rounds,
      () => rate(batch, rawPut),
      () => rate(batch, (r) => store.put(r)),
      rows,
    );
    await compare(
      'files get',
      rounds,
      () => rate(batch, async (r) => JSON.parse(await readFile(path.join(rawDir, `${recordKey(r)}.json`), 'utf8'))),
      () => rate(batch, (r) => store.get(recordKey(r))),
      rows,
    );
    await store.close();
    await rm(rawDir, { recursive: true, force: true });
    await rm(storeDir, { recursive: true, force: true });
  }

  // Cosmos: plain @azure/cosmos upsert and point-read loops against the same loopback server.
  const cosmos = await startCosmos();
  try {
    const env = cosmosEnv(cosmos.endpoint);
    const store = await CosmosStore.open(cosmosConfigFromEnv(env));
    const client = new CosmosClient(await clientOptions(cosmosConfigFromEnv(env)));
    const container = client.database(env.COSMOS_DATABASE!).container(env.COSMOS_CONTAINER_TRACES!);
    const batch = records(quick ? 300 : 2_000);
    await compare(
      `cosmos put (upsert, n=${batch.length})`,
      rounds,
      () => rate(batch, (r) => container.items.upsert(toDocument(r))),
      () => rate(batch, (r) => store.put(r)),
      rows,
    );
    await compare(
      'cosmos get (point read)',
      rounds,
      () => rate(batch, (r) => container.item(recordKey(r), recordKey(r)).read()),
      () => rate(batch, (r) => store.get(recordKey(r))),
      rows,
    );
    client.dispose();
    await store.close();

    // Capture into Cosmos: bulk (executeBulkOperations through the batch writer) against one upsert at a time.
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      ({ scenario }) => !waitsOnPurpose(scenario) && scenario.subject !== 'hostile-agent',
    );
    // Each capture writes into a container of its own, deleted after it: the Cosmos-protocol
    // server holds every document in this process's memory.
    const repeat = quick ? 20 : 40;
    const captureInto = async (oneAtATime: boolean) => {
      const config = cosmosConfigFromEnv(cosmosEnv(cosmos.endpoint));
      const bulk = await CosmosStore.open(config);
      const target: TraceStore = oneAtATime
        ? {
            name: 'cosmos',
            put: (r) => bulk.put(r),
            putMany: (rs) => putEach(bulk, rs, storeKey, String),
            get: (k) => bulk.get(k),
            query: (q) => bulk.query(q),
            close: () => bulk.close(),
          }
        : bulk;
      const t = performance.now();
      const { summary } = await runCapture({
        scenarios,
        subjects,
        store: target,
        model: server,
        concurrency: 16,
        repeat,
        keepResults: false,
      });
      const seconds = (performance.now() - t) / 1000;
      await bulk.close();
      const admin = new CosmosClient(await clientOptions(config));
      await admin.database(config.database).container(config.container).delete();
      admin.dispose();
      if (summary.exit_code !== 0) throw new Error(`bench capture into cosmos failed: ${JSON.stringify(summary)}`);
      return summary.runs / seconds;
    };
    let single = 0;
    let bulkRate = 0;
    for (let i = 0; i < rounds; i++) {
      single = Math.max(single, await captureInto(true));
      bulkRate = Math.max(bulkRate, await captureInto(false));
    }
    rows.push(
      row({
        name: `capture into cosmos, concurrency 16 (${scenarios.length * repeat} runs): batched writes (bulk, or concurrent point upserts for a batch of up to 100) against one upsert at a time (best of ${rounds})`,
        unit: 'runs/s',
        baseline: single,
        lab: bulkRate,
        target: { on: 'ratio', op: '>=', value: 1 },
      }),
    );
  } finally {
    await cosmos.close();
  }

  // Files at scale: records written straight to disk, then the index built, reused and queried.
  {
    const n = quick ? 10_000 : 100_000;
    const dir = await mkdtemp(path.join(tmpdir(), 'bench-100k-'));
    await (await FilesStore.open(dir)).close();
    const all = records(n);
    for (let i = 0; i < all.length; i += 1000) {
      await Promise.all(
        all
          .slice(i, i + 1000)
          .map((r) => writeFile(path.join(dir, 'records', `${recordKey(r)}.json`), JSON.stringify(r))),
      );
    }
    let t = performance.now();
    let store = await FilesStore.open(dir);
    const build = performance.now() - t;
    await store.close();
    t = performance.now();
    store = await FilesStore.open(dir);
    const reopen = performance.now() - t;
    const time = async (fn: () => Promise<unknown>) => {
      const s = performance.now();
      await fn();
      return performance.now() - s;
    };
    const byKind = await time(() => store.query({ kind: 'timeout', limit: 100 }));
    const bySubjectWindow = await time(() =>
      store.query({
        subject_id: 'subject-3',
        since: all[n / 2]!.started_at,
        until: all[Math.min(n - 1, n / 2 + 5000)]!.started_at,
        limit: 100,
      }),
    );
    const byScenario = await time(() => store.query({ scenario_id: 'scenario-7', limit: 100 }));
    let pages = 0;
    const walk = await time(async () => {
      let cursor: string | null = null;
      do {
        const page: TracePage = await store.query({ kind: 'exception', limit: 500, cursor });
        cursor = page.cursor;
        pages++;
      } while (cursor);
    });
    await store.close();
    await rm(dir, { recursive: true, force: true });
    rows.push(
      row({
        name: `files store at ${n} records: reopen with the index current, against opening with the index built from the files`,
        unit: 'ms',
        baseline: build,
        lab: reopen,
      }),
      row({
        name: `files store at ${n} records: first page of 100 by kind / subject and time window / scenario`,
        unit: 'ms',
        lab: Math.max(byKind, bySubjectWindow, byScenario),
        note: `the slowest of the three: ${byKind.toFixed(1)}, ${bySubjectWindow.toFixed(1)} and ${byScenario.toFixed(1)} ms`,
      }),
      row({
        name: `files store at ${n} records: every exception (${n / 5} records, ${pages} pages of 500)`,
        unit: 'ms',
        lab: walk,
      }),
    );
  }
}
