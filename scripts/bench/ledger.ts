// The failure ledger's costs: what recording a build's failures adds to capture, and the analytics
// over many failure records in the files store against one plain pass that reads them all.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { computeAnalytics } from '../../src/analytics/compute-analytics.ts';
import { ledgerRecords } from '../../src/analytics/ledger-records.ts';
import { runCapture } from '../../src/capture/run-capture.ts';
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import { ledgerSettingsFromEnv } from '../../src/ledger/ledger-settings.ts';
import { FilesLedger } from '../../src/ledger-store/files-ledger.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { fingerprintOf, makeFailureRecord } from '../../test/helpers/failure-records.ts';
import { type BenchContext, median, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DAY = 86_400_000;

export async function benchLedger({ quick, rows, progress }: BenchContext, server: ScriptedModelServer): Promise<void> {
  // 1. Capture of the shipped scenarios with the ledger against without it, rounds alternating.
  {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      (l) => !waitsOnPurpose(l.scenario) && l.scenario.subject !== 'hostile-agent' && l.scenario.isolation !== 'worker',
    );
    const repeat = quick ? 5 : 20;
    const settings = ledgerSettingsFromEnv({ LAB_NOW: '2026-11-23T00:00:00Z' });
    const capture = async (withLedger: boolean, build: number) => {
      const t = performance.now();
      await runCapture({
        scenarios,
        subjects,
        store: new MemoryStore(),
        model: server,
        concurrency: 16,
        repeat,
        keepResults: false,
        buildId: `bench-${build}`,
        ledger: withLedger ? { store: new MemoryLedger(), settings } : null,
      });
      return performance.now() - t;
    };
    await capture(true, 0);
    const without: number[] = [];
    const withLedger: number[] = [];
    for (let i = 0; i < (quick ? 2 : 5); i++) {
      without.push(await capture(false, i));
      withLedger.push(await capture(true, i));
    }
    const runs = scenarios.length * repeat;
    rows.push(
      row({
        name: `capture with the failure ledger against without it (${runs} runs of the shipped scenarios, concurrency 16, memory store and ledger; median of ${without.length})`,
        unit: 'ms',
        baseline: median(without),
        lab: median(withLedger),
        target: { on: 'ratio', op: '<=', value: 1.1 },
        note: 'the ledger: one FailureRecord per fingerprint, repeats and escalations, written when the capture ends',
      }),
    );
  }

  // 2. Analytics over failure records in the files store against one plain pass reading them all.
  {
    const count = quick ? 10_000 : 100_000;
    const dir = await mkdtemp(path.join(tmpdir(), 'lab-bench-ledger-'));
    try {
      progress(`  writing ${count} failure records…`);
      // Record files written directly (the ledger's layout: failures/<failure_id>.json); the
      // ledger's open reconciles its index with them, as after any crash.
      const folder = path.join(dir, 'failures');
      await FilesLedger.open(dir).then((l) => l.close());
      const limit = pLimit(32);
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          limit(() => {
            const record = recordAt(i, count);
            return writeFile(path.join(folder, `${record.failure_id}.json`), JSON.stringify(record));
          }),
        ),
      );
      const ledger = await FilesLedger.open(dir);
      const asOf = '2026-01-15T00:00:00.000Z';
      const plain = async () => {
        let n = 0;
        for await (const _ of ledgerRecords(ledger, { until: asOf, limit: 1000 })) n++;
        return n;
      };
      const analytics = () => computeAnalytics(ledgerRecords(ledger, { until: asOf, limit: 1000 }), { asOf });
      await plain();
      const plainMs: number[] = [];
      const analyticsMs: number[] = [];
      let read = 0;
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        let t = performance.now();
        read = await plain();
        plainMs.push(performance.now() - t);
        t = performance.now();
        await analytics();
        analyticsMs.push(performance.now() - t);
      }
      await ledger.close();
      rows.push(
        row({
          name: `analytics over ${read} failure records in the files store against one plain pass reading them all (pages of 1,000; median of ${plainMs.length})`,
          unit: 'ms',
          baseline: median(plainMs),
          lab: median(analyticsMs),
          target: { on: 'ratio', op: '<=', value: 2 },
          note: 'the four analytics files in one streaming pass; memory held by the result only (test/analytics/memory.test.ts proves it on 100,000 records)',
        }),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

const CATEGORIES = [
  ['INFRA', 'INFRA_NETWORK'],
  ['QA', 'QA_TEST_DEBT'],
  ['INTEGRATION', 'INTEGRATION_TIMING'],
  ['SCOPE', 'SCOPE_CREEP'],
] as const;
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;

/** Failure record i of count: a hundred days of failures, 200 fingerprints, two in three resolved. */
function recordAt(i: number, count: number): FailureRecord {
  const ms = Date.parse('2025-10-01T00:00:00.000Z') + Math.floor((i * 100 * DAY) / count);
  const at = new Date(ms).toISOString();
  const [category, subcategory] = CATEGORIES[i % CATEGORIES.length]!;
  const record = makeFailureRecord({
    failure_id: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    timestamp: at,
    category,
    subcategory,
    severity: SEVERITIES[(i >> 2) % 4]!,
  });
  record.lab.fingerprint = fingerprintOf(`bench-${i % 200}`);
  record.repetition_tracking.is_repeat = i >= 200;
  const history: FailureRecord['lab']['status_history'] = [
    { from: null, to: 'OPEN', at, actor: 'lab', note: null, build_id: `b${i}` },
  ];
  if (i % 3 !== 0)
    history.push({
      from: 'OPEN',
      to: 'RESOLVED',
      at: new Date(ms + (1 + (i % 97)) * 3_600_000).toISOString(),
      actor: 'alice',
      note: null,
      build_id: null,
    });
  record.lab.status_history = history;
  record.status = history.at(-1)!.to;
  return record;
}
