import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/config-error.ts';
import { FilesLedger } from '../../src/ledger-store/files-ledger.ts';
import { isLedgerName, LEDGER_NAMES, openLedger } from '../../src/ledger-store/ledgers.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';

describe('openLedger', () => {
  it('knows memory, files and cosmos, and names them for an unknown one', async () => {
    expect(LEDGER_NAMES).toEqual(['memory', 'files', 'cosmos']);
    expect(isLedgerName('files')).toBe(true);
    expect(isLedgerName('toString')).toBe(false);
    await expect(openLedger('sqlite', { env: {} })).rejects.toThrow(
      /unknown failure ledger "sqlite". Available ledgers: memory, files, cosmos/,
    );
  });

  it('opens memory and files ledgers; files in the failures/ folder of --dir', async () => {
    const memory = await openLedger('memory', { env: {} });
    expect(memory).toBeInstanceOf(MemoryLedger);
    await memory.close();
    const dir = await mkdtemp(path.join(tmpdir(), 'ledgers-'));
    const files = await openLedger('files', { env: {}, dir });
    expect(files).toBeInstanceOf(FilesLedger);
    const record = makeFailureRecord();
    await files.create(record);
    await files.close();
    expect(await readdir(path.join(dir, 'failures'))).toContain(`${record.failure_id}.json`);
  });

  it('fails a cosmos ledger without its variables before connecting, naming them', async () => {
    const error = await openLedger('cosmos', { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('needs COSMOS_ENDPOINT, COSMOS_DATABASE');
  });
});
