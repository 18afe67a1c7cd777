import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Uuid } from '../contracts/common.ts';
import type { FailureRecord } from '../contracts/failure-record.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';
import { StoreError } from '../errors/store-error.ts';
import { type DurableFs, realFs, writeSynced } from '../internal/durable-files.ts';
import { errorText } from '../internal/to-error.ts';
import { DEFAULT_FAILURE_PAGE, type FailureLedger, type FailurePage, type FailureQuery } from './failure-ledger.ts';
import { failureFields } from './failure-fields.ts';
import { FailureIndex } from './files-ledger-index.ts';
import {
  decodeFailureCursor,
  encodeFailureCursor,
  matchesFailureQuery,
  normalizeFailureQuery,
} from './failure-query-filter.ts';
import { existingRecord, missingRecord, staleRevision } from './ledger-conflicts.ts';
import { checkedForWrite, checkRevision, readFailure } from './read-failure.ts';

/** Temporary files older than this belong to a writer that died; they are removed on open. */
const STALE_TMP_MS = 60_000;

/**
 * The failure ledger in the files store's folder: `failures/<failure_id>.json`, one complete JSON
 * document per record, written atomically like the trace records (a temporary file in
 * `failures/tmp/`, fsync, rename, fsync of the folder). The files are the truth; queries go
 * through `failures/index.sqlite`, derived from them and reconciled with them on open.
 *
 * Compare-and-swap across processes: create and replace hold the index's exclusive write lock
 * (BEGIN IMMEDIATE) from reading the stored revision until the new file is renamed into place and
 * its row committed, so two processes, or two calls in one process, never both pass the check.
 * Reads take no lock: a rename is atomic, so a reader sees the old record or the new one whole.
 */
export class FilesLedger implements FailureLedger {
  readonly name = 'files';
  /** The ledger's folder, DIR/failures. */
  readonly dir: string;
  readonly #tmp: string;
  readonly #index: FailureIndex;
  readonly #fs: DurableFs;
  #closed = false;

  private constructor(dir: string, index: FailureIndex, fs: DurableFs) {
    this.dir = dir;
    this.#fs = fs;
    this.#tmp = path.join(dir, 'tmp');
    this.#index = index;
  }

  /** Opens (creating if needed) the ledger in a files store's folder, and brings its index up to date; `fs` is the file system writes go through. */
  static async open(storeDir: string, { fs = realFs }: { fs?: DurableFs } = {}): Promise<FilesLedger> {
    const dir = path.resolve(storeDir, 'failures');
    try {
      await mkdir(path.join(dir, 'tmp'), { recursive: true });
    } catch (error) {
      throw new StoreError({
        store: 'files',
        message: `cannot create the ledger folder ${dir} (${errorText(error)}); pass --dir to choose another`,
        cause: error,
      });
    }
    const ledger = new FilesLedger(dir, await FailureIndex.open(path.join(dir, 'index.sqlite')), fs);
    try {
      await ledger.#removeStaleTemporaries();
      await ledger.#reconcile();
    } catch (error) {
      await ledger.close();
      throw error;
    }
    return ledger;
  }

  async get(failureId: string): Promise<FailureRecord | undefined> {
    this.#open();
    this.#checkId(failureId);
    return (await this.#read(failureId))?.record;
  }

  async create(record: FailureRecord): Promise<void> {
    this.#open();
    const checked = checkedForWrite(record);
    checkRevision(checked, null);
    await this.#index.exclusive(async () => {
      if (await stampOf(this.#file(checked.failure_id))) throw existingRecord(checked.failure_id);
      await this.#write(checked);
    });
  }

  async replace(record: FailureRecord, expectedRevision: number): Promise<void> {
    this.#open();
    const checked = checkedForWrite(record);
    checkRevision(checked, expectedRevision);
    await this.#index.exclusive(async () => {
      // Read from the file, the truth, under the lock: no other writer can change it until COMMIT.
      const current = await this.#read(checked.failure_id);
      if (current === undefined) throw missingRecord(checked.failure_id);
      if (current.record.lab.revision !== expectedRevision)
        throw staleRevision(checked.failure_id, current.record.lab.revision, expectedRevision);
      await this.#write(checked);
    });
  }

  async query(query: FailureQuery = {}): Promise<FailurePage> {
    this.#open();
    const limit = query.limit ?? DEFAULT_FAILURE_PAGE;
    const normalized = normalizeFailureQuery(query);
    const rows = await this.#index.page(
      query,
      normalized,
      query.cursor ? decodeFailureCursor(query.cursor) : null,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const records: FailureRecord[] = [];
    const stale: string[] = [];
    for (const row of page) {
      const current = await this.#read(row.failure_id);
      if (current === undefined || current.stamp !== row.stamp) stale.push(row.failure_id);
      // A row left stale by a writer killed before its commit: the file decides whether the record matches.
      if (
        current !== undefined &&
        (current.stamp === row.stamp || matchesFailureQuery(failureFields(current.record), query, normalized))
      )
        records.push(current.record);
    }
    if (stale.length > 0)
      await this.#index.exclusive(async () => {
        for (const id of stale) await this.#reindex(id);
      });
    const last = page.at(-1);
    return { records, cursor: rows.length > limit && last ? encodeFailureCursor(last) : null };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#index.close();
  }

  #file(failureId: string): string {
    return path.join(this.dir, `${failureId}.json`);
  }

  /** A failure id becomes a file name, so only a UUID is accepted. */
  #checkId(failureId: string): void {
    if (!Uuid.safeParse(failureId).success)
      throw new StoreError({ store: this.name, recordKey: failureId, message: 'not a failure id (expected a UUID)' });
  }

  #open(): void {
    if (this.#closed) throw new StoreError({ store: this.name, message: 'the failure ledger is closed' });
  }

  /** The stored record and its file's stamp, undefined when there is no file; a broken file is refused naming it. */
  async #read(failureId: string): Promise<{ record: FailureRecord; stamp: string } | undefined> {
    const file = this.#file(failureId);
    let read: { text: string; stamp: string } | undefined;
    try {
      read = await readStamped(file);
    } catch (error) {
      throw new StoreError({
        store: this.name,
        recordKey: failureId,
        message: `cannot read ${file}: ${errorText(error)}`,
        cause: error,
      });
    }
    if (read === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(read.text);
    } catch (error) {
      throw new ContractViolationError({
        recordKey: failureId,
        message: `${file} is not valid JSON (${errorText(error)})`,
        cause: error,
      });
    }
    return { record: readFailure(json, failureId), stamp: read.stamp };
  }

  /** Writes a record's file atomically and sets its row; called only inside the index's exclusive lock. */
  async #write(record: FailureRecord): Promise<void> {
    const file = this.#file(record.failure_id);
    const tmp = path.join(this.#tmp, `${record.failure_id}.${process.pid}.${randomUUID()}.tmp`);
    try {
      await writeSynced(this.#fs, tmp, JSON.stringify(record));
      await this.#fs.rename(tmp, file);
      await this.#fs.syncFolder(this.dir);
    } catch (error) {
      await this.#fs.remove(tmp);
      throw new StoreError({
        store: this.name,
        recordKey: record.failure_id,
        message: `cannot write ${file}: ${errorText(error)}`,
        cause: error,
      });
    }
    // The file is in place: were the process killed before COMMIT, the reconcile on open would find the row stale.
    this.#index.upsert(failureFields(record), (await stampOf(file))!);
  }

  /** Brings one row in line with its file (inside the exclusive lock). */
  async #reindex(failureId: string): Promise<void> {
    const stamp = await stampOf(this.#file(failureId));
    if (stamp === this.#index.stampOf(failureId)) return;
    if (stamp === undefined) return this.#index.remove(failureId);
    try {
      const current = await this.#read(failureId);
      if (current === undefined) this.#index.remove(failureId);
      else this.#index.upsert(failureFields(current.record), current.stamp);
    } catch {
      // Not a valid record: get() refuses it with the reason; it cannot be queried.
      this.#index.remove(failureId);
    }
  }

  /**
   * Rows whose file is missing or changed behind the index, and files without a row, are read
   * again. Finding them takes no lock (a stat per file); fixing them does, so a concurrent writer's
   * newer row is never overwritten with what this process read before it.
   */
  async #reconcile(): Promise<void> {
    const stamps = await this.#index.stamps();
    const names = (await readdir(this.dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    const stale: string[] = [];
    for (const id of names) if ((await stampOf(this.#file(id))) !== stamps.get(id)) stale.push(id);
    const present = new Set(names);
    for (const id of stamps.keys()) if (!present.has(id)) stale.push(id);
    if (stale.length > 0)
      await this.#index.exclusive(async () => {
        for (const id of stale) await this.#reindex(id);
      });
  }

  async #removeStaleTemporaries(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.#tmp)) {
      const file = path.join(this.#tmp, name);
      const info = await stat(file).catch(() => null);
      if (info && now - info.mtimeMs > STALE_TMP_MS) await rm(file, { force: true });
    }
  }
}

/** What tells one version of a file from another: every write renames a new file (a new inode) into place. */
function stampFrom(info: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${info.ino}:${info.size}:${info.mtimeNs}`;
}

/** A file's stamp, or undefined when it does not exist. */
async function stampOf(file: string): Promise<string | undefined> {
  try {
    return stampFrom(await stat(file, { bigint: true }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A file's text and the stamp of that very version (one handle), or undefined when it does not exist. */
async function readStamped(file: string): Promise<{ text: string; stamp: string } | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stamp = stampFrom(await handle.stat({ bigint: true }));
    return { text: await handle.readFile('utf8'), stamp };
  } finally {
    await handle.close();
  }
}
