// Streams generated failure records through computeAnalytics and the two reports and prints, as
// JSON, the heap they retain (measured after forced garbage collection, so it is memory held, not
// garbage) and what holding the records themselves would take. Run with node --expose-gc; the
// test in memory.test.ts spawns it so the measurement has a heap of its own.
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import { computeAnalytics } from '../../src/analytics/compute-analytics.ts';
import { monthlyReport } from '../../src/analytics/monthly-report.ts';
import { weeklyReport } from '../../src/analytics/weekly-report.ts';
import { fingerprintOf, makeFailureRecord } from '../helpers/failure-records.ts';

const COUNT = Number(process.argv[2] ?? 100_000);
const FINGERPRINTS = Number(process.argv[3] ?? 20);
const SAMPLE_EVERY = 10_000;
const START = Date.parse('2025-10-01T00:00:00.000Z');
const AS_OF = '2026-01-15T00:00:00.000Z';
const HOUR = 3_600_000;
const CATEGORIES = [
  ['INFRA', 'INFRA_NETWORK'],
  ['QA', 'QA_TEST_DEBT'],
  ['INTEGRATION', 'INTEGRATION_TIMING'],
  ['SCOPE', 'SCOPE_CREEP'],
] as const;
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;

const gc = globalThis.gc;
if (!gc) throw new Error('run with node --expose-gc');
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const TEMPLATE_JSON = JSON.stringify(makeFailureRecord({ failure_id: '00000000-0000-4000-8000-000000000000' }));

/** Record i: a fresh object graph, like a record read from a ledger page. */
function recordAt(i: number): FailureRecord {
  const record = JSON.parse(TEMPLATE_JSON) as FailureRecord;
  const ms = START + Math.floor((i * 100 * 24 * HOUR) / COUNT);
  const at = new Date(ms).toISOString();
  const [category, subcategory] = CATEGORIES[i % CATEGORIES.length]!;
  const severity = SEVERITIES[(i >> 2) % 4]!;
  record.failure_id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  record.timestamp = at;
  record.category = category;
  record.subcategory = subcategory;
  record.severity = severity;
  record.metadata.sla_resolution_target = new Date(ms + [4, 24, 168, 720][(i >> 2) % 4]! * HOUR).toISOString();
  record.lab.fingerprint = fingerprintOf(`probe-${i % FINGERPRINTS}`);
  record.lab.occurrences.count = 1 + (i % 3);
  record.repetition_tracking.is_repeat = i >= FINGERPRINTS;
  const history: FailureRecord['lab']['status_history'] = [
    { from: null, to: 'OPEN', at, actor: 'lab', note: null, build_id: `b${i}` },
  ];
  if (i % 3 !== 0)
    history.push({
      from: 'OPEN',
      to: 'RESOLVED',
      at: new Date(ms + (1 + (i % 97)) * HOUR).toISOString(),
      actor: 'alice',
      note: null,
      build_id: null,
    });
  if (i % 6 === 1)
    history.push({
      from: 'RESOLVED',
      to: 'PREVENTED',
      at: new Date(ms + (100 + (i % 89)) * HOUR).toISOString(),
      actor: 'alice',
      note: null,
      build_id: null,
    });
  record.lab.status_history = history;
  record.status = history.at(-1)!.to;
  if (i >= FINGERPRINTS && i % 5 === 0)
    record.lab.escalations = [{ level: 'build_owner', to: null, at, occurrence: 2, build_id: `b${i}` }];
  record.prevention.prevention_measures = i % 4 === 0 ? ['suggested: add a deadline'] : [];
  record.prevention.governance_updates = i % 50 === 0 ? [`GOV-${i}: a rule`] : [];
  return record;
}

/** The records one by one; with `samples`, the heap is measured (after gc) every SAMPLE_EVERY records. */
async function* stream(samples?: number[], base = 0): AsyncGenerator<FailureRecord> {
  for (let i = 0; i < COUNT; i++) {
    if (samples && i > 0 && i % SAMPLE_EVERY === 0) samples.push(heap() - base);
    yield recordAt(i);
  }
  samples?.push(heap() - base);
}

type Run = (records: AsyncIterable<FailureRecord>) => Promise<unknown>;

/** Heap held while streaming (peak of the samples) and after (the result alone), in bytes. */
async function memory(run: Run) {
  const samples: number[] = [];
  const base = heap();
  const result = await run(stream(samples, base));
  return {
    peakGrowthBytes: Math.max(...samples),
    retainedBytes: heap() - base,
    resultJsonBytes: JSON.stringify(result).length,
  };
}

/** Wall time of a pass without the gc sampling, generation of the records included. */
async function time(run: Run) {
  const started = performance.now();
  await run(stream());
  return Math.round(performance.now() - started);
}

const count: Run = async (records) => {
  let n = 0;
  for await (const _ of records) n++;
  return n;
};
const runs: Record<string, Run> = {
  analytics: (records) => computeAnalytics(records, { asOf: AS_OF }),
  weekly: (records) => weeklyReport(records, { asOf: AS_OF }),
  monthly: (records) => monthlyReport(records, { asOf: AS_OF }),
};
const generationMs = await time(count);
const results: Record<string, { ms: number; peakGrowthBytes: number; retainedBytes: number; resultJsonBytes: number }> =
  {};
for (const [name, run] of Object.entries(runs)) results[name] = { ms: await time(run), ...(await memory(run)) };

// What keeping the records would take: hold a sample of them, and scale.
const SAMPLE = 5_000;
const before = heap();
const held = Array.from({ length: SAMPLE }, (_, i) => recordAt(i));
const perRecord = (heap() - before) / held.length;

console.log(
  JSON.stringify({
    count: COUNT,
    fingerprints: FINGERPRINTS,
    perRecordBytes: Math.round(perRecord),
    keepingAllBytes: Math.round(perRecord * COUNT),
    generationMs,
    ...results,
    held: held.length,
  }),
);
