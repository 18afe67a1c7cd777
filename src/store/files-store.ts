import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type LabRecord, type RecordMeta, recordMeta, type RecordType } from '../contracts/lab-record.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';
import { StoreError } from '../errors/store-error.ts';
import { busyRetry } from '../internal/sqlite-busy.ts';
import {
  checkWritable,
  inodeOf,
  isDamage,
  isUnwritable,
  type OpenMode,
  recordFileKeys,
  rowCheck,
  openCheckedIndex,
  sqliteDamage,
  stampOf,
  stampOfSync,
  stderrWarn,
  type Warn,
} from '../internal/derived-index.ts';
import { type DurableFs, realFs, writeSynced } from '../internal/durable-files.ts';
import { errorText } from '../internal/to-error.ts';
import { decodeCursor, encodeCursor } from './query-filter.ts';
import { readRecord } from './read-record.ts';
import {
  DEFAULT_PAGE_SIZE,
  type PutOutcome,
  type QueryResult,
  type SkippedRecord,
  type TracePage,
  type TraceQuery,
  type TraceStore,
} from './trace-store.ts';

/** The folder capture writes to when --dir is not given (git ignores it). */
export const DEFAULT_FILES_DIR = '.lab-traces';

/** Temporary files older than this belong to a writer that died; they are removed on open. */
const STALE_TMP_MS = 60_000;

/** A record key becomes a file name, so only UUID-like keys are accepted. */
const KEY = /^[0-9a-zA-Z][0-9a-zA-Z_-]{0,127}$/;

/** How a files store is opened. */
export interface FilesStoreOptions {
  /** The file system writes go through (real files by default). */
  fs?: DurableFs;
  /** `write` (the default) creates the folder and repairs the index; `read` never writes, and fails when there is no store. */
  mode?: OpenMode;
  /** Where the store says what it repaired (standard error by default). */
  warn?: Warn;
  /** Called for each record a query skips because it cannot be read (each also in its page's `skipped`). */
  onSkip?: (skipped: SkippedRecord) => void;
}

/** An index row, as the reconcile compares it with its file. */
interface EntryRow {
  key: string;
  record_type: string;
  kind: string | null;
  subject_id: string | null;
  scenario_id: string | null;
  build_id: string | null;
  started_at: string;
  stamp: string;
  row_check: string;
}

/**
 * One JSON file per record, `records/<key>.json`, written atomically: a temporary file, fsync,
 * rename, fsync of the folder. A crash at any moment leaves the old state or the complete new
 * record, never a partial file in records/. The files are the truth; `index.sqlite` (node:sqlite,
 * WAL) is derived from them for queries. On open it is checked (SQLite's quick_check, each row
 * against its checksum, each file against the stamp its row was made from), brought in line with
 * records/, and, when damaged, set aside and rebuilt from the files (docs/stores.md). Opened for
 * reading, the store writes nothing: an index that is missing, damaged or behind the files is
 * built in memory for the command instead.
 */
export class FilesStore implements TraceStore {
  readonly name = 'files';
  readonly dir: string;
  readonly mode: OpenMode;
  readonly #records: string;
  readonly #tmp: string;
  readonly #db: DatabaseSync;
  readonly #fs: DurableFs;
  readonly #warn: Warn;
  readonly #onSkip: (skipped: SkippedRecord) => void;
  #indexLagSaid = false;
  #closed = false;

  private constructor(
    dir: string,
    db: DatabaseSync,
    fs: DurableFs,
    { mode, warn, onSkip }: Required<Omit<FilesStoreOptions, 'fs'>>,
  ) {
    this.dir = dir;
    this.#onSkip = onSkip;
    this.mode = mode;
    this.#fs = fs;
    this.#warn = warn;
    this.#records = path.join(dir, 'records');
    this.#tmp = path.join(dir, 'tmp');
    this.#db = db;
  }

  /**
   * Opens a store in a folder and brings its index up to date. For writing (the default) the
   * folder is created if needed and must take a new file; for reading it must hold a store.
   */
  static async open(
    dir: string,
    { fs = realFs, mode = 'write', warn = stderrWarn, onSkip = () => {} }: FilesStoreOptions = {},
  ): Promise<FilesStore> {
    const root = path.resolve(dir);
    if (mode === 'read') await requireStore(root);
    else {
      try {
        await mkdir(path.join(root, 'records'), { recursive: true });
        await mkdir(path.join(root, 'tmp'), { recursive: true });
      } catch (error) {
        throw new StoreError({
          store: 'files',
          exitCode: isUnwritable(error) ? 2 : 1,
          message: `cannot create the store folder ${root} (${errorText(error)}); pass --dir to choose another`,
          cause: error,
        });
      }
      await checkWritable(path.join(root, 'tmp'), 'the store folder');
    }
    const records = path.join(root, 'records');
    const db =
      mode === 'read'
        ? await openIndexForReading(path.join(root, 'index.sqlite'), records, warn)
        : await openIndexForWriting(path.join(root, 'index.sqlite'), records, warn);
    const store = new FilesStore(root, db, fs, { mode, warn, onSkip });
    if (mode === 'write') await store.#removeStaleTemporaries();
    return store;
  }

  async put(record: LabRecord): Promise<void> {
    const [outcome] = await this.putMany([record]);
    if (outcome && !outcome.stored)
      throw new StoreError({ store: this.name, recordKey: outcome.key, message: outcome.error });
  }

  /**
   * Writes every record to its own temporary file and fsyncs it, renames them all into place,
   * then fsyncs the folder once: one directory sync covers the whole batch. A record whose file
   * is in place is stored, even when the index cannot follow (a full disk, a size limit): the
   * next open indexes it, and the store says so.
   */
  async putMany(records: readonly LabRecord[]): Promise<PutOutcome[]> {
    this.#open();
    if (this.mode === 'read')
      return records.map((r) => ({
        key: recordMeta(r).key,
        stored: false,
        error: 'the files store was opened for reading',
      }));
    const outcomes = new Map<string, PutOutcome>();
    const written: { key: string; tmp: string; meta: RecordMeta }[] = [];
    await Promise.all(
      records.map(async (record) => {
        const meta = recordMeta(record);
        const key = meta.key;
        const tmp = path.join(this.#tmp, `${key}.${process.pid}.${randomUUID()}.tmp`);
        try {
          this.#checkKey(key);
          readRecord(record, key, 'write');
          await writeSynced(this.#fs, tmp, JSON.stringify(record));
          written.push({ key, tmp, meta });
        } catch (error) {
          // A file cut short by a full disk or a size limit is not left behind.
          await this.#fs.remove(tmp).catch(() => {});
          outcomes.set(key, { key, stored: false, error: `${this.#file(key)} was not written: ${errorText(error)}` });
        }
      }),
    );
    const renamed: typeof written = [];
    for (const w of written) {
      try {
        await this.#fs.rename(w.tmp, this.#file(w.key));
        renamed.push(w);
      } catch (error) {
        outcomes.set(w.key, {
          key: w.key,
          stored: false,
          error: `${this.#file(w.key)} was not written: ${errorText(error)}`,
        });
        await this.#fs.remove(w.tmp);
      }
    }
    if (renamed.length > 0) {
      try {
        await this.#fs.syncFolder(this.#records);
      } catch (error) {
        for (const w of renamed)
          outcomes.set(w.key, {
            key: w.key,
            stored: false,
            error: `${this.#file(w.key)} was written but the folder could not be synced, so it may not survive a crash: ${errorText(error)}`,
          });
        return records.map((r) => outcomes.get(recordMeta(r).key)!);
      }
      for (const w of renamed) outcomes.set(w.key, { key: w.key, stored: true });
      try {
        const entries = await Promise.all(
          renamed.map(async (w) => ({ meta: w.meta, stamp: (await stampOf(this.#file(w.key))) ?? '' })),
        );
        await busyRetry(() => indexEntries(this.#db, entries));
      } catch (error) {
        // The files are the truth and they are in place: the records are stored; only queries lag until the next open.
        // Said once per store: on a full disk every later batch would say the same.
        if (this.#indexLagSaid) return records.map((r) => outcomes.get(recordMeta(r).key)!);
        this.#indexLagSaid = true;
        this.#warn(
          `files store: ${renamed.length} record file${renamed.length === 1 ? ' is' : 's are'} written in ${this.#records}, but the index could not be updated (${errorText(error)}${isUnwritable(error) ? ': the disk is full, read-only or over a file-size limit' : ''}); the next open of the store indexes ${renamed.length === 1 ? 'it' : 'them'} (and any written later while the index cannot follow)`,
        );
      }
    }
    return records.map((r) => outcomes.get(recordMeta(r).key)!);
  }

  async get(key: string): Promise<LabRecord | undefined> {
    this.#open();
    this.#checkKey(key);
    let text: string;
    try {
      text = await readFile(this.#file(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError({
        store: this.name,
        recordKey: key,
        message: `cannot read ${this.#file(key)}: ${errorText(error)}`,
        cause: error,
      });
    }
    return parseRecordFile(text, key, this.#file(key));
  }

  async query<T extends RecordType | 'all' | undefined = undefined>(
    query: TraceQuery & { record_type?: T } = {},
  ): Promise<TracePage<QueryResult<T>>> {
    this.#open();
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // Conditions are fixed SQL; only the values come from the query, always as parameters.
    const where: string[] = [];
    const params: (string | number)[] = [];
    const type = query.record_type ?? 'trace_record';
    if (type !== 'all') where.push('record_type = ?'), params.push(type);
    if (query.failure_id !== undefined)
      where.push('key IN (SELECT key FROM failure_links WHERE failure_id = ?)'), params.push(query.failure_id);
    if (query.kind !== undefined) where.push('kind = ?'), params.push(query.kind);
    if (query.subject_id !== undefined) where.push('subject_id = ?'), params.push(query.subject_id);
    if (query.scenario_id !== undefined) where.push('scenario_id = ?'), params.push(query.scenario_id);
    if (query.build_id !== undefined) where.push('build_id = ?'), params.push(query.build_id);
    if (query.since !== undefined) where.push('started_at >= ?'), params.push(query.since);
    if (query.until !== undefined) where.push('started_at < ?'), params.push(query.until);
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      where.push('(started_at > ? OR (started_at = ? AND key > ?))');
      params.push(after.started_at, after.started_at, after.key);
    }
    const sql = `SELECT key, started_at FROM entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at, key LIMIT ?`;
    const rows = (await busyRetry(() => this.#db.prepare(sql).all(...params, limit + 1))) as {
      key: string;
      started_at: string;
    }[];
    const page = rows.slice(0, limit);
    const records: QueryResult<T>[] = [];
    const skipped: SkippedRecord[] = [];
    if (!query.cursor) {
      const unreadable = (await busyRetry(() =>
        this.#db.prepare('SELECT key, reason FROM unreadable ORDER BY key').all(),
      )) as { key: string; reason: string }[];
      for (const u of unreadable) skipped.push({ key: u.key, where: this.#file(u.key), reason: u.reason });
    }
    for (const row of page) {
      let record: LabRecord | undefined;
      try {
        record = await this.get(row.key);
      } catch (error) {
        // Changed since it was indexed into something unreadable: named, and the rest of the page goes on.
        skipped.push({ key: row.key, where: this.#file(row.key), reason: errorText(error) });
        continue;
      }
      // A file removed by hand since it was indexed: the index forgets it (when it may write).
      if (record === undefined) {
        if (this.mode === 'write')
          await busyRetry(() => this.#db.prepare('DELETE FROM entries WHERE key = ?').run(row.key));
      } else records.push(record as QueryResult<T>);
    }
    for (const s of skipped) this.#onSkip(s);
    const last = page.at(-1);
    return {
      records,
      cursor: rows.length > limit && last ? encodeCursor(last) : null,
      ...(skipped.length > 0 ? { skipped } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #file(key: string): string {
    return path.join(this.#records, `${key}.json`);
  }

  #checkKey(key: string): void {
    if (!KEY.test(key))
      throw new StoreError({
        store: this.name,
        recordKey: key,
        message: 'not a record key (expected a failure_id or trace_id UUID)',
      });
  }

  #open(): void {
    if (this.#closed) throw new StoreError({ store: this.name, message: 'the store is closed' });
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

/** A folder opened for reading must hold a store: a reading command never creates one (exit 2). */
async function requireStore(root: string): Promise<void> {
  const isDir = async (p: string) => (await stat(p).catch(() => null))?.isDirectory() === true;
  if (!(await isDir(root)))
    throw new StoreError({
      store: 'files',
      exitCode: 2,
      message: `there is no store in ${root}: the folder does not exist; check --dir (a reading command never creates a store)`,
    });
  if (!(await isDir(path.join(root, 'records'))) && !(await isDir(path.join(root, 'failures'))))
    throw new StoreError({
      store: 'files',
      exitCode: 2,
      message: `there is no store in ${root}: it has no records/ or failures/ folder; check --dir (a reading command never creates a store)`,
    });
}

/** The checksum of an index row (derived-index.ts): its columns and its file's stamp. */
function entryCheck(m: Omit<EntryRow, 'stamp' | 'row_check'>, stamp: string): string {
  return rowCheck([m.key, m.record_type, m.kind, m.subject_id, m.scenario_id, m.build_id, m.started_at, stamp]);
}

/** Sets the rows of records whose files are in place, in one transaction. */
function indexEntries(db: DatabaseSync, entries: readonly { meta: RecordMeta; stamp: string }[]): void {
  const upsert = db.prepare(
    'INSERT OR REPLACE INTO entries (key, record_type, kind, subject_id, scenario_id, build_id, started_at, stamp, row_check) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const unlink = db.prepare('DELETE FROM failure_links WHERE key = ?');
  const link = db.prepare('INSERT OR IGNORE INTO failure_links (failure_id, key) VALUES (?, ?)');
  const readable = db.prepare('DELETE FROM unreadable WHERE key = ?');
  inTransaction(db, () => {
    for (const { meta: m, stamp } of entries) {
      upsert.run(
        m.key,
        m.record_type,
        m.kind,
        m.subject_id,
        m.scenario_id,
        m.build_id,
        m.started_at,
        stamp,
        entryCheck(m, stamp),
      );
      unlink.run(m.key);
      readable.run(m.key);
      for (const id of m.failure_ids) link.run(id, m.key);
    }
  });
}

function inTransaction(db: DatabaseSync, work: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    work();
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** What the index lacks or holds wrongly compared with records/: files to read again, and rows to forget. */
interface IndexDiff {
  /** Files without a row of their stamp (new, changed, or unreadable and changed since). */
  stale: { key: string; stamp: string }[];
  /** Rows and unreadable entries whose file is gone. */
  gone: string[];
}

/** Compares an index with the files, one stat per file. */
async function diffIndex(db: DatabaseSync, records: string): Promise<IndexDiff> {
  const stamps = new Map<string, string>();
  for (const r of db.prepare('SELECT key, stamp FROM entries').all() as { key: string; stamp: string }[])
    stamps.set(r.key, r.stamp);
  for (const r of db.prepare('SELECT key, stamp FROM unreadable').all() as { key: string; stamp: string }[])
    stamps.set(r.key, r.stamp);
  const keys = await recordFileKeys(records);
  const present = new Set(keys);
  const stale: IndexDiff['stale'] = [];
  for (const key of keys) {
    const stamp = stampOfSync(path.join(records, `${key}.json`));
    if (stamp !== undefined && stamp !== stamps.get(key)) stale.push({ key, stamp });
  }
  return { stale, gone: [...stamps.keys()].filter((k) => !present.has(k)) };
}

/** Reads the stale files and applies a diff to a writable index. */
async function applyDiff(db: DatabaseSync, records: string, diff: IndexDiff): Promise<void> {
  const good: { meta: RecordMeta; stamp: string }[] = [];
  const bad: { key: string; stamp: string; reason: string }[] = [];
  for (const { key, stamp } of diff.stale) {
    const file = path.join(records, `${key}.json`);
    try {
      good.push({ meta: recordMeta(parseRecordFile(await readFile(file, 'utf8'), key, file)), stamp });
    } catch (error) {
      // Not a valid record: kept as unreadable, so every query names it instead of losing it.
      bad.push({ key, stamp, reason: errorText(error) });
    }
  }
  if (good.length > 0) await busyRetry(() => indexEntries(db, good));
  if (bad.length === 0 && diff.gone.length === 0) return;
  await busyRetry(() =>
    inTransaction(db, () => {
      const forget = [
        db.prepare('DELETE FROM entries WHERE key = ?'),
        db.prepare('DELETE FROM failure_links WHERE key = ?'),
        db.prepare('DELETE FROM unreadable WHERE key = ?'),
      ];
      const unreadable = db.prepare('INSERT OR REPLACE INTO unreadable (key, stamp, reason) VALUES (?, ?, ?)');
      for (const key of [...diff.gone, ...bad.map((b) => b.key)]) for (const s of forget) s.run(key);
      for (const b of bad) unreadable.run(b.key, b.stamp, b.reason);
    }),
  );
}

/** What is wrong with an index's structure or rows, or null when SQLite and every row's checksum agree. */
function indexDamage(db: DatabaseSync): string | null {
  const damage = sqliteDamage(db);
  if (damage !== null) return `SQLite's quick_check: ${damage}`;
  try {
    const rows = db.prepare('SELECT * FROM entries').all() as unknown as EntryRow[];
    const wrong = rows.filter((r) => entryCheck(r, r.stamp) !== r.row_check);
    if (wrong.length > 0)
      return `${wrong.length} row${wrong.length === 1 ? '' : 's'} disagree${wrong.length === 1 ? 's' : ''} with ${wrong.length === 1 ? 'its' : 'their'} checksum (record ${wrong[0]!.key}, build_id ${JSON.stringify(wrong[0]!.build_id)})`;
  } catch (error) {
    if (isDamage(error)) return errorText(error);
    throw error;
  }
  return null;
}

/** The index's connection settings. */
const INDEX_PRAGMAS = `
  -- First: switching to WAL takes an exclusive lock, and a second process opening the same
  -- folder at that moment must wait for it, not fail with "database is locked".
  PRAGMA busy_timeout = 10000;
  PRAGMA journal_mode = WAL;
  -- The index is derived from the record files and checked against them on every open, so it
  -- needs no durability of its own: OFF spares an fsync per commit. A crash of the machine that
  -- damages it is found by the checks on open, and the index is rebuilt from the files.
  PRAGMA synchronous = OFF;
`;

/** The index's tables, of INDEX_VERSION. */
const INDEX_SQL = `
  -- The index of version 1 (runs only); entries replaces it, rebuilt from the files by reconcile.
  DROP TABLE IF EXISTS records;
  -- kind, subject_id, scenario_id and build_id are a run's (NULL for failure, recovery and fallback records).
  -- stamp is the file's inode, size and mtime when the row was made; row_check the checksum of the row (derived-index.ts).
  CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, record_type TEXT NOT NULL, kind TEXT, subject_id TEXT, scenario_id TEXT, build_id TEXT, started_at TEXT NOT NULL,
    stamp TEXT NOT NULL, row_check TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS entries_by_build ON entries (build_id, started_at, key);
  CREATE INDEX IF NOT EXISTS entries_by_time ON entries (record_type, started_at, key);
  CREATE INDEX IF NOT EXISTS entries_by_kind ON entries (kind, started_at, key);
  CREATE INDEX IF NOT EXISTS entries_by_subject ON entries (subject_id, started_at, key);
  CREATE INDEX IF NOT EXISTS entries_by_scenario ON entries (scenario_id, started_at, key);
  -- Which records name which failure ids (a failure trace names every failure of its cascade).
  CREATE TABLE IF NOT EXISTS failure_links (failure_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (failure_id, key)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS failure_links_by_key ON failure_links (key);
  -- Record files that cannot be read, by the stamp they were found with: every query names them.
  CREATE TABLE IF NOT EXISTS unreadable (key TEXT PRIMARY KEY, stamp TEXT NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID;
`;

/**
 * The version of the index's tables. An index of an older version (without row checksums, say) is
 * dropped and rebuilt from the record files, which are the truth, by the reconcile on open.
 */
const INDEX_VERSION = 4;

/** Sets the connection up and brings the tables to INDEX_VERSION, dropping those of an older one. */
function prepareIndex(db: DatabaseSync): void {
  db.exec(INDEX_PRAGMAS);
  const versionOf = () => (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (versionOf() >= INDEX_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    // Read again under the lock: another process opening the folder may have upgraded it meanwhile.
    if (versionOf() < INDEX_VERSION) {
      db.exec('DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS failure_links; DROP TABLE IF EXISTS unreadable;');
      db.exec(INDEX_SQL);
      db.exec(`PRAGMA user_version = ${INDEX_VERSION}`);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** A read-write connection to the index file, its tables at INDEX_VERSION. */
function connect(file: string): DatabaseSync {
  const db = new DatabaseSync(file, { timeout: 10_000 });
  try {
    prepareIndex(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Opens the index for a store that writes: checks it (SQLite's quick_check, every row against its
 * checksum), sets a damaged one aside and builds it anew, then brings it in line with the files.
 */
async function openIndexForWriting(file: string, records: string, warn: Warn): Promise<DatabaseSync> {
  const { db, rebuilt } = await openCheckedIndex(file, 'the index', connect, indexDamage);
  if (rebuilt) {
    await applyDiff(db, records, await diffIndex(db, records));
    const count = (db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
    warn(
      `files store: the index ${file} was damaged (${rebuilt.damage}); ${rebuilt.aside ? `set aside as ${path.basename(rebuilt.aside)} and ` : ''}rebuilt from the record files (${count} records)`,
    );
    return db;
  }
  try {
    await applyDiff(db, records, await diffIndex(db, records));
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Opens the index for a store that only reads, without writing a byte: a read-only connection
 * when the index is sound and in line with the files, else an index built in memory from the
 * files for this command (a damaged one is named; the next writer sets it aside and rebuilds it).
 */
async function openIndexForReading(file: string, records: string, warn: Warn): Promise<DatabaseSync> {
  let damage: string | null = null;
  if ((await inodeOf(file)) !== undefined) {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(file, { readOnly: true, timeout: 10_000 });
      const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
      if (version === INDEX_VERSION) {
        damage = indexDamage(db);
        if (damage === null) {
          const diff = await diffIndex(db, records);
          if (diff.stale.length === 0 && diff.gone.length === 0) return db;
        }
      }
    } catch (error) {
      // Not openable read-only (a read-only folder without the WAL's shared-memory file, say): the files answer.
      if (isDamage(error)) damage = errorText(error);
    }
    db?.close();
  }
  if (damage !== null)
    warn(
      `files store: the index ${file} is damaged (${damage}); this command reads the record files instead, and the next command that writes to the store sets the index aside and rebuilds it`,
    );
  const memory = new DatabaseSync(':memory:');
  memory.exec(INDEX_SQL);
  await applyDiff(memory, records, await diffIndex(memory, records));
  return memory;
}

function parseRecordFile(text: string, key: string, file: string): LabRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ContractViolationError({
      recordKey: key,
      message: `${file} is not valid JSON (${errorText(error)})`,
      cause: error,
    });
  }
  return readRecord(json, key);
}
