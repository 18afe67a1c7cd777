import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Uuid } from '../contracts/common.ts';
import type { FailureRecord } from '../contracts/failure-record.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';
import { LabError } from '../errors/lab-error.ts';
import { StoreError } from '../errors/store-error.ts';
import {
  checkWritable,
  inodeOf,
  isUnwritable,
  type OpenMode,
  recordFileKeys,
  stampFrom,
  stampOf,
  stampOfSync,
  stderrWarn,
  type Warn,
} from '../internal/derived-index.ts';
import { type DurableFs, realFs, writeSynced } from '../internal/durable-files.ts';
import type { SkippedRecord } from '../store/trace-store.ts';
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
  readonly #onSkip: (skipped: SkippedRecord) => void;
  #closed = false;

  private constructor(dir: string, index: FailureIndex, fs: DurableFs, onSkip: (skipped: SkippedRecord) => void) {
    this.dir = dir;
    this.#fs = fs;
    this.#onSkip = onSkip;
    this.#tmp = path.join(dir, 'tmp');
    this.#index = index;
  }

  /**
   * Opens the ledger in a files store's folder and brings its index up to date. For writing (the
   * default) the folder is created if needed and must take a new file; for reading nothing is
   * written: the folder must hold a store, and an index that is missing, damaged or behind the
   * files is built in memory for the command (docs/stores.md).
   */
  static async open(
    storeDir: string,
    {
      fs = realFs,
      mode = 'write',
      warn = stderrWarn,
      onSkip = () => {},
    }: { fs?: DurableFs; mode?: OpenMode; warn?: Warn; onSkip?: (skipped: SkippedRecord) => void } = {},
  ): Promise<FilesLedger> {
    const dir = path.resolve(storeDir, 'failures');
    const file = path.join(dir, 'index.sqlite');
    if (mode === 'read') {
      await requireLedgerStore(path.resolve(storeDir));
      let { index, damage } = (await inodeOf(file)) === undefined ? { damage: null } : FailureIndex.openReadOnly(file);
      if (damage !== null)
        warn(
          `files ledger: the index ${file} is damaged (${damage}); this command reads the failure files instead, and the next command that writes to the ledger sets the index aside and rebuilds it`,
        );
      if (index !== undefined && (await staleIds(dir, index)).length > 0) {
        await index.close();
        index = undefined;
      }
      const ledger = new FilesLedger(dir, index ?? FailureIndex.memory(), fs, onSkip);
      if (index === undefined) await ledger.#reconcile();
      return ledger;
    }
    try {
      await mkdir(path.join(dir, 'tmp'), { recursive: true });
    } catch (error) {
      throw new StoreError({
        store: 'files',
        exitCode: isUnwritable(error) ? 2 : 1,
        message: `cannot create the ledger folder ${dir} (${errorText(error)}); pass --dir to choose another`,
        cause: error,
      });
    }
    await checkWritable(path.join(dir, 'tmp'), 'the ledger folder');
    const index = await FailureIndex.openForWriting(file);
    const ledger = new FilesLedger(dir, index, fs, onSkip);
    try {
      await ledger.#removeStaleTemporaries();
      await ledger.#reconcile();
    } catch (error) {
      await ledger.close();
      throw error;
    }
    if (index.rebuilt)
      warn(
        `files ledger: the index ${file} was damaged (${index.rebuilt.damage}); ${index.rebuilt.aside ? `set aside as ${path.basename(index.rebuilt.aside)} and ` : ''}rebuilt from the failure files (${index.count()} records)`,
      );
    return ledger;
  }

  async get(failureId: string): Promise<FailureRecord | undefined> {
    this.#open();
    this.#checkId(failureId);
    return (await this.#read(failureId))?.record;
  }

  async create(record: FailureRecord): Promise<void> {
    this.#open();
    this.#forWriting();
    const checked = checkedForWrite(record);
    checkRevision(checked, null);
    await this.#saying(checked.failure_id, (written) =>
      this.#index.exclusive(async () => {
        if (await stampOf(this.#file(checked.failure_id))) throw existingRecord(checked.failure_id);
        await this.#write(checked, written);
      }),
    );
  }

  async replace(record: FailureRecord, expectedRevision: number): Promise<void> {
    this.#open();
    this.#forWriting();
    const checked = checkedForWrite(record);
    checkRevision(checked, expectedRevision);
    await this.#saying(checked.failure_id, (written) =>
      this.#index.exclusive(async () => {
        // Read from the file, the truth, under the lock: no other writer can change it until COMMIT.
        const current = await this.#read(checked.failure_id);
        if (current === undefined) throw missingRecord(checked.failure_id);
        if (current.record.lab.revision !== expectedRevision)
          throw staleRevision(checked.failure_id, current.record.lab.revision, expectedRevision);
        await this.#write(checked, written);
      }),
    );
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
    const skipped: SkippedRecord[] = [];
    if (!query.cursor)
      for (const u of await this.#index.unreadable())
        skipped.push({ key: u.failure_id, where: this.#file(u.failure_id), reason: u.reason });
    const stale: string[] = [];
    for (const row of page) {
      let current: { record: FailureRecord; stamp: string } | undefined;
      try {
        current = await this.#read(row.failure_id);
      } catch (error) {
        // Changed since it was indexed into something unreadable: named, and the rest of the page goes on.
        skipped.push({ key: row.failure_id, where: this.#file(row.failure_id), reason: errorText(error) });
        stale.push(row.failure_id);
        continue;
      }
      if (current === undefined || current.stamp !== row.stamp) stale.push(row.failure_id);
      // The file decides whether the record matches: a row left stale by a writer killed before its
      // commit, or changed behind the ledger since the checks on open, never lists a record that does not.
      if (current !== undefined && matchesFailureQuery(failureFields(current.record), query, normalized))
        records.push(current.record);
    }
    if (stale.length > 0 && this.#index.writable)
      await this.#index.exclusive(async () => {
        for (const id of stale) await this.#reindex(id);
      });
    for (const s of skipped) this.#onSkip(s);
    const last = page.at(-1);
    return {
      records,
      cursor: rows.length > limit && last ? encodeFailureCursor(last) : null,
      ...(skipped.length > 0 ? { skipped } : {}),
    };
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

  #forWriting(): void {
    if (!this.#index.writable)
      throw new StoreError({ store: this.name, message: 'the failure ledger was opened for reading' });
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

  /**
   * Runs a write and, when the disk refuses it (full, read-only, a size limit), says which part
   * was done: the record's file is written or not; the index follows on the next open.
   */
  async #saying(failureId: string, work: (written: { file: boolean }) => Promise<void>): Promise<void> {
    const written = { file: false };
    try {
      await work(written);
    } catch (error) {
      if (LabError.isInstance(error) && !written.file) throw error;
      const why = `${errorText(error)}${isUnwritable(error) ? ': the disk is full, read-only or over a file-size limit' : ''}`;
      throw new StoreError({
        store: this.name,
        recordKey: failureId,
        exitCode: 1,
        message: written.file
          ? `written to ${this.#file(failureId)}, but the ledger's index could not be updated (${why}); the record is kept, and the next open of the ledger indexes it`
          : `not written: the ledger's index could not be locked or updated (${why})`,
        cause: error,
      });
    }
  }

  /** Writes a record's file atomically and sets its row; called only inside the index's exclusive lock. */
  async #write(record: FailureRecord, written: { file: boolean }): Promise<void> {
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
        message: `not written: cannot write ${file} (${errorText(error)}${isUnwritable(error) ? ': the disk is full, read-only or over a file-size limit' : ''})`,
        cause: error,
      });
    }
    written.file = true;
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
    } catch (error) {
      // Not a valid record: kept as unreadable, by its stamp, so every query names it instead of losing it.
      this.#index.markUnreadable(failureId, stamp, errorText(error));
    }
  }

  /**
   * Rows whose file is missing or changed behind the index, and files without a row, are read
   * again. Finding them takes no lock (a stat per file); fixing them does, so a concurrent writer's
   * newer row is never overwritten with what this process read before it.
   */
  async #reconcile(): Promise<void> {
    const stale = await staleIds(this.dir, this.#index);
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

/** The ids of files without a row of their stamp, and of rows whose file is gone: one stat per file, no lock. */
async function staleIds(dir: string, index: FailureIndex): Promise<string[]> {
  const stamps = await index.stamps();
  const names = await recordFileKeys(dir);
  const stale: string[] = [];
  for (const id of names) if (stampOfSync(path.join(dir, `${id}.json`)) !== stamps.get(id)) stale.push(id);
  const present = new Set(names);
  for (const id of stamps.keys()) if (!present.has(id)) stale.push(id);
  return stale;
}

/** A folder opened for reading must hold a store: a reading command never creates one (exit 2). */
async function requireLedgerStore(root: string): Promise<void> {
  const isDir = async (p: string) => (await stat(p).catch(() => null))?.isDirectory() === true;
  if (
    !(await isDir(root)) ||
    (!(await isDir(path.join(root, 'records'))) && !(await isDir(path.join(root, 'failures'))))
  )
    throw new StoreError({
      store: 'files',
      exitCode: 2,
      message: `there is no store in ${root}: ${(await isDir(root)) ? 'it has no records/ or failures/ folder' : 'the folder does not exist'}; check --dir (a reading command never creates a store)`,
    });
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
