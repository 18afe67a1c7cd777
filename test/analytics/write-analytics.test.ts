import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeAnalytics } from '../../src/analytics/compute-analytics.ts';
import { ledgerRecords } from '../../src/analytics/ledger-records.ts';
import { ANALYTICS_FILES, analyticsDir, writeAnalytics } from '../../src/analytics/write-analytics.ts';
import { ContractViolationError } from '../../src/errors/contract-violation-error.ts';
import { StoreError } from '../../src/errors/store-error.ts';
import type { FailureLedger } from '../../src/ledger-store/failure-ledger.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { AS_OF, handBuiltRecords } from '../fixtures/analytics-records.ts';
import { ROOT } from '../helpers/run-cli.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lab-analytics-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeAnalytics', () => {
  it('writes the four files into DIR/failures/analytics, pretty JSON with a trailing newline, valid against the committed JSON Schemas', async () => {
    const analytics = await computeAnalytics(handBuiltRecords(), { asOf: AS_OF });
    const out = analyticsDir(dir);
    expect(out).toBe(path.join(dir, 'failures', 'analytics'));
    const written = await writeAnalytics(out, analytics);
    expect(written.map((f) => path.basename(f))).toEqual([
      'failure-trends.json',
      'failure-by-category.json',
      'repeat-failures.json',
      'mttr-metrics.json',
    ]);
    expect((await readdir(out)).sort()).toEqual([
      'failure-by-category.json',
      'failure-trends.json',
      'mttr-metrics.json',
      'repeat-failures.json',
    ]);

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv
      .addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
      .addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
    for (const [key, { file }] of Object.entries(ANALYTICS_FILES)) {
      const text = await readFile(path.join(out, file), 'utf8');
      expect(text).toBe(`${JSON.stringify(analytics[key as keyof typeof analytics], null, 2)}\n`);
      const schema = JSON.parse(
        await readFile(path.join(ROOT, 'schemas', file.replace('.json', '.schema.json')), 'utf8'),
      );
      const validate = ajv.compile(schema);
      expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('writes the same bytes for the same records and as-of, replacing the old files', async () => {
    const first = await writeAnalytics(dir, await computeAnalytics(handBuiltRecords(), { asOf: AS_OF }));
    const before = await Promise.all(first.map((f) => readFile(f, 'utf8')));
    await writeAnalytics(dir, await computeAnalytics(handBuiltRecords().reverse(), { asOf: AS_OF }));
    expect(await Promise.all(first.map((f) => readFile(f, 'utf8')))).toEqual(before);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses analytics that break a contract and writes nothing', async () => {
    const analytics = await computeAnalytics(handBuiltRecords(), { asOf: AS_OF });
    const broken = { ...analytics, mttr: { ...analytics.mttr, overall: { ...analytics.mttr.overall, records: -1 } } };
    const error = await writeAnalytics(dir, broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractViolationError);
    expect(String(error)).toMatch(/mttr-metrics\.json.*overall\.records/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('ledgerRecords', () => {
  it('pages through a ledger in its order, one page at a time', async () => {
    const ledger = new MemoryLedger();
    const records = handBuiltRecords();
    for (const record of records) await ledger.create(record);
    const seen = [];
    for await (const record of ledgerRecords(ledger, { limit: 3 })) seen.push(record.failure_id);
    const expected = [...records]
      .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.failure_id < b.failure_id ? -1 : 1))
      .map((r) => r.failure_id);
    expect(seen).toEqual(expected);
    // Analytics over a ledger equal analytics over the records.
    const fromLedger = await computeAnalytics(ledgerRecords(ledger, { limit: 4, until: AS_OF }), { asOf: AS_OF });
    expect(JSON.stringify(fromLedger)).toBe(JSON.stringify(await computeAnalytics(records, { asOf: AS_OF })));
  });

  it('stops with a StoreError when a backend hands back the cursor it was given', async () => {
    const [record] = handBuiltRecords();
    const stuck: FailureLedger = {
      name: 'stuck',
      get: async () => undefined,
      create: async () => {},
      replace: async () => {},
      query: async () => ({ records: [record!], cursor: 'again' }),
      close: async () => {},
    };
    const seen: string[] = [];
    const error = await (async () => {
      for await (const r of ledgerRecords(stuck)) seen.push(r.failure_id);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(String(error)).toMatch(/stuck store.*cursor it was given/);
    expect(seen).toHaveLength(2);
  });
});
