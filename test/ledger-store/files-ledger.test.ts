import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FailureRecord } from '../../src/contracts/failure-record.ts';
import { ConflictError } from '../../src/errors/conflict-error.ts';
import { ContractViolationError } from '../../src/errors/contract-violation-error.ts';
import { StoreError } from '../../src/errors/store-error.ts';
import { FilesLedger } from '../../src/ledger-store/files-ledger.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';
import { runReplace, runUpdaters } from '../helpers/ledger-processes.ts';
import { failureLedgerContract, nextRevision, queryAllFailures } from './failure-ledger-contract.ts';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'files-ledger-'));
const fileOf = (dir: string, id: string) => path.join(dir, 'failures', `${id}.json`);

/** Spawning Node processes that load the lab takes seconds on two busy cores: a bound, never a race. */
const PROCESS_TEST_MS = 120_000;

describe('FilesLedger', () => {
  failureLedgerContract(async () => FilesLedger.open(await tempDir()));

  it('keeps one JSON file per record in DIR/failures, named by its failure_id, and nothing left in tmp/', async () => {
    const dir = await tempDir();
    const ledger = await FilesLedger.open(dir);
    const record = makeFailureRecord();
    await ledger.create(record);
    await ledger.replace(nextRevision(record, { status: 'INVESTIGATING' }), 1);
    await ledger.close();
    expect((await readdir(path.join(dir, 'failures'))).filter((f) => f.endsWith('.json'))).toEqual([
      `${record.failure_id}.json`,
    ]);
    expect(await readdir(path.join(dir, 'failures', 'tmp'))).toEqual([]);
    expect(FailureRecord.parse(JSON.parse(await readFile(fileOf(dir, record.failure_id), 'utf8')))).toMatchObject({
      status: 'INVESTIGATING',
      lab: { revision: 2 },
    });
    expect(await readdir(path.join(dir, 'failures'))).toContain('index.sqlite');
  });

  it('reconciles the index with the files on open: a file it lacks, a file changed behind it, a file gone', async () => {
    const dir = await tempDir();
    const ledger = await FilesLedger.open(dir);
    const [kept, changed, gone] = [makeFailureRecord(), makeFailureRecord(), makeFailureRecord()];
    for (const r of [kept, changed, gone]) await ledger.create(r);
    await ledger.close();
    // What a writer killed between its rename and its commit leaves: the file is newer than its row.
    const resolved = nextRevision(changed, { status: 'RESOLVED' });
    await writeFile(fileOf(dir, changed.failure_id), JSON.stringify(resolved));
    const orphan = makeFailureRecord({ severity: 'CRITICAL' });
    await writeFile(fileOf(dir, orphan.failure_id), JSON.stringify(orphan));
    await rm(fileOf(dir, gone.failure_id));

    const reopened = await FilesLedger.open(dir);
    expect((await queryAllFailures(reopened)).map((r) => r.failure_id).sort()).toEqual(
      [kept, changed, orphan].map((r) => r.failure_id).sort(),
    );
    expect(await queryAllFailures(reopened, { status: 'RESOLVED' })).toEqual([resolved]);
    expect(await queryAllFailures(reopened, { severity: 'CRITICAL' })).toEqual([orphan]);
    expect((await queryAllFailures(reopened, { status: 'OPEN' })).map((r) => r.failure_id).sort()).toEqual(
      [kept, orphan].map((r) => r.failure_id).sort(),
    );
    await reopened.close();
  });

  it('never returns a record a query does not match, even from a row left stale while it is open', async () => {
    const dir = await tempDir();
    const ledger = await FilesLedger.open(dir);
    const record = makeFailureRecord();
    await ledger.create(record);
    await writeFile(fileOf(dir, record.failure_id), JSON.stringify(nextRevision(record, { status: 'RESOLVED' })));
    expect(await queryAllFailures(ledger, { status: 'OPEN' })).toEqual([]);
    // That query set the row right.
    expect((await queryAllFailures(ledger, { status: 'RESOLVED' })).map((r) => r.failure_id)).toEqual([
      record.failure_id,
    ]);
    await ledger.close();
  });

  it('sets a corrupt index aside and rebuilds it from the record files', async () => {
    const dir = await tempDir();
    const ledger = await FilesLedger.open(dir);
    const records = [makeFailureRecord(), makeFailureRecord()];
    for (const r of records) await ledger.create(r);
    await ledger.close();
    await writeFile(path.join(dir, 'failures', 'index.sqlite'), 'not a database, what a crash left behind'.repeat(100));
    const reopened = await FilesLedger.open(dir);
    expect((await queryAllFailures(reopened)).map((r) => r.failure_id).sort()).toEqual(
      records.map((r) => r.failure_id).sort(),
    );
    expect((await readdir(path.join(dir, 'failures'))).some((f) => f.startsWith('index.sqlite.damaged-'))).toBe(true);
    await reopened.close();
  });

  it('refuses on read a stored record that breaks the contract, is not JSON, or is stored under another id, naming it', async () => {
    const dir = await tempDir();
    const ledger = await FilesLedger.open(dir);
    const future = { ...makeFailureRecord(), schema_version: 2 };
    const extra = { ...makeFailureRecord(), analyst_note: 'x' };
    const moved = makeFailureRecord();
    const movedTo = '00000000-0000-4000-8000-00000000beef';
    const truncated = '00000000-0000-4000-8000-00000000dead';
    await writeFile(fileOf(dir, future.failure_id), JSON.stringify(future));
    await writeFile(fileOf(dir, extra.failure_id), JSON.stringify(extra));
    await writeFile(fileOf(dir, movedTo), JSON.stringify(moved));
    await writeFile(fileOf(dir, truncated), '{"schema_version": 1, "rec');
    const refusal = async (id: string) => (await ledger.get(id).catch((e: unknown) => e)) as Error;
    expect(await refusal(future.failure_id)).toBeInstanceOf(ContractViolationError);
    expect((await refusal(future.failure_id)).message).toContain(
      `record ${future.failure_id}: stored record breaks the FailureRecord contract (schema_version 2; this lab reads and writes version 1)`,
    );
    expect((await refusal(extra.failure_id)).message).toContain('analyst_note');
    expect((await refusal(movedTo)).message).toContain(
      `record ${movedTo}: stored record has failure_id ${moved.failure_id}`,
    );
    expect((await refusal(truncated)).message).toContain('is not valid JSON');
    // A stale or missing-file replace of a broken record refuses it too, writing nothing.
    await expect(
      ledger.replace({ ...nextRevision(makeFailureRecord()), failure_id: extra.failure_id }, 1),
    ).rejects.toBeInstanceOf(ContractViolationError);
    await ledger.close();
  });

  it('refuses a failure id that is not a UUID (it would become a file name)', async () => {
    const ledger = await FilesLedger.open(await tempDir());
    await expect(ledger.get('../../etc/passwd')).rejects.toBeInstanceOf(StoreError);
    await ledger.close();
  });

  it(
    'a stale replace from one process loses to another process and gets ConflictError',
    async () => {
      const dir = await tempDir();
      const ledger = await FilesLedger.open(dir);
      const record = makeFailureRecord();
      await ledger.create(record);
      const readHere = (await ledger.get(record.failure_id))!; // Revision 1, read by this process.

      const other = await runReplace({ backend: 'files', dir }, record.failure_id, 1, 'from-child');
      expect(other, other.stderr).toMatchObject({ code: 0, stdout: 'ok\n' });
      const lost = await ledger.replace(nextRevision(readHere, { status: 'RESOLVED' }), 1).catch((e: unknown) => e);
      expect(lost).toBeInstanceOf(ConflictError);
      expect((lost as ConflictError).recordKey).toBe(record.failure_id);

      const late = await runReplace({ backend: 'files', dir }, record.failure_id, 1, 'late-child');
      expect(late, late.stderr).toMatchObject({ code: 3, stdout: 'conflict\n' });
      const stored = await ledger.get(record.failure_id);
      expect(stored).toMatchObject({ status: 'OPEN', lab: { revision: 2 }, metadata: { tags: ['from-child'] } });
      await ledger.close();
    },
    PROCESS_TEST_MS,
  );

  it(
    'lands every update of 4 processes updating one record at once through updateFailure',
    async () => {
      const dir = await tempDir();
      const ledger = await FilesLedger.open(dir);
      const record = makeFailureRecord();
      await ledger.create(record);
      const [processes, updates] = [4, 15];
      // Enough rounds that no update can run out: each lost round means one of the others' updates landed.
      const runs = await runUpdaters({ backend: 'files', dir }, record.failure_id, {
        processes,
        updates,
        attempts: (processes - 1) * updates + 1,
      });
      for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
      const stored = (await ledger.get(record.failure_id))!;
      const expected = Array.from({ length: processes }, (_, p) =>
        Array.from({ length: updates }, (_, i) => `p${p}-${i}`),
      ).flat();
      expect([...stored.metadata.tags].sort()).toEqual(expected.sort());
      expect(stored.lab.revision).toBe(1 + processes * updates);
      // Each process added its tags in its own order.
      for (let p = 0; p < processes; p++)
        expect(stored.metadata.tags.filter((t) => t.startsWith(`p${p}-`))).toEqual(
          Array.from({ length: updates }, (_, i) => `p${p}-${i}`),
        );
      const conflicts = runs.reduce(
        (n, run) => n + (JSON.parse(run.stdout.split('\n').at(-2)!) as { conflicts: number }).conflicts,
        0,
      );
      console.log(
        `files: ${processes * updates} updates from ${processes} processes, ${conflicts} rounds lost to compare-and-swap`,
      );
      expect((await queryAllFailures(ledger)).map((r) => r.lab.revision)).toEqual([1 + processes * updates]);
      await ledger.close();
    },
    PROCESS_TEST_MS,
  );
});
