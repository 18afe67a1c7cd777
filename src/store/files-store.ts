import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { type LabRecord, type RecordMeta, recordMeta, type RecordType } from '../contracts/lab-record.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';
import { StoreError } from '../errors/store-error.ts';
import { busyRetry } from '../internal/sqlite-busy.ts';
import { type DurableFs, realFs, writeSynced } from '../internal/durable-files.ts';
import { errorText } from '../internal/to-error.ts';
import { decodeCursor, encodeCursor } from './query-filter.ts';
import { readRecord } from './read-record.ts';
import {
  DEFAULT_PAGE_SIZE,
  type PutOutcome,
  type QueryResult,
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

/**
 * One JSON file per record, `records/<key>.json`, written atomically: a temporary file, fsync,
 * rename, fsync of the folder. A crash at any moment leaves the old state or the complete new
 * record, never a partial file in records/. The files are the truth; `index.sqlite` (node:sqlite,
 * WAL) is derived from them for queries and is reconciled with records/ on open, so a record
 * written by a process killed before it reached the index is found again.
 */
export class FilesStore implements TraceStore {
  readonly name = 'files';
  readonly dir: string;
  readonly #records: string;
  readonly #tmp: string;
  readonly #db: DatabaseSync;
  readonly #upsert: StatementSync;
  readonly #unlink: StatementSync;
  readonly #link: StatementSync;
  readonly #fs: DurableFs;
  #closed = false;

  private constructor(dir: string, db: DatabaseSync, fs: DurableFs) {
    this.dir = dir;
    this.#fs = fs;
    this.#records = path.join(dir, 'records');
    this.#tmp = path.join(dir, 'tmp');
    this.#db = db;
    this.#upsert = db.prepare(
      'INSERT OR REPLACE INTO entries (key, record_type, kind, subject_id, scenario_id, build_id, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#unlink = db.prepare('DELETE FROM failure_links WHERE key = ?');
    this.#link = db.prepare('INSERT OR IGNORE INTO failure_links (failure_id, key) VALUES (?, ?)');
  }

  /** Opens (creating if needed) a store in a folder, and brings its index up to date; `fs` is the file system writes go through. */
  static async open(dir: string, { fs = realFs }: { fs?: DurableFs } = {}): Promise<FilesStore> {
    const root = path.resolve(dir);
    try {
      await mkdir(path.join(root, 'records'), { recursive: true });
      await mkdir(path.join(root, 'tmp'), { recursive: true });
    } catch (error) {
      throw new StoreError({
        store: 'files',
        message: `cannot create the store folder ${root} (${errorText(error)}); pass --dir to choose another`,
        cause: error,
      });
    }
    const db = await openIndex(path.join(root, 'index.sqlite'));
    const store = new FilesStore(root, db, fs);
    await store.#removeStaleTemporaries();
    await store.#reconcile();
    return store;
  }

  async put(record: LabRecord): Promise<void> {
    const [outcome] = await this.putMany([record]);
    if (outcome && !outcome.stored)
      throw new StoreError({ store: this.name, recordKey: outcome.key, message: outcome.error });
  }

  /**
   * Writes every record to its own temporary file and fsyncs it, renames them all into place,
   * then fsyncs the folder once: one directory sync covers the whole batch.
   */
  async putMany(records: readonly LabRecord[]): Promise<PutOutcome[]> {
    this.#open();
    const outcomes = new Map<string, PutOutcome>();
    const written: { key: string; tmp: string; meta: RecordMeta }[] = [];
    await Promise.all(
      records.map(async (record) => {
        const meta = recordMeta(record);
        const key = meta.key;
        try {
          this.#checkKey(key);
          readRecord(record, key, 'write');
          const tmp = path.join(this.#tmp, `${key}.${process.pid}.${randomUUID()}.tmp`);
          await writeSynced(this.#fs, tmp, JSON.stringify(record));
          written.push({ key, tmp, meta });
        } catch (error) {
          outcomes.set(key, { key, stored: false, error: errorText(error) });
        }
      }),
    );
    const renamed: typeof written = [];
    for (const w of written) {
      try {
        await this.#fs.rename(w.tmp, this.#file(w.key));
        renamed.push(w);
      } catch (error) {
        outcomes.set(w.key, { key: w.key, stored: false, error: errorText(error) });
        await this.#fs.remove(w.tmp);
      }
    }
    if (renamed.length > 0) {
      try {
        await this.#fs.syncFolder(this.#records);
        await busyRetry(() => this.#index(renamed.map((w) => w.meta)));
        for (const w of renamed) outcomes.set(w.key, { key: w.key, stored: true });
      } catch (error) {
        for (const w of renamed) outcomes.set(w.key, { key: w.key, stored: false, error: errorText(error) });
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
    for (const row of page) {
      const record = await this.get(row.key);
      // A file removed by hand since it was indexed: the index forgets it.
      if (record === undefined)
        await busyRetry(() => this.#db.prepare('DELETE FROM entries WHERE key = ?').run(row.key));
      else records.push(record as QueryResult<T>);
    }
    const last = page.at(-1);
    return { records, cursor: rows.length > limit && last ? encodeCursor(last) : null };
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

  #index(metas: readonly RecordMeta[]): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const m of metas) {
        this.#upsert.run(m.key, m.record_type, m.kind, m.subject_id, m.scenario_id, m.build_id, m.started_at);
        this.#unlink.run(m.key);
        for (const id of m.failure_ids) this.#link.run(id, m.key);
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Indexes record files the index lacks and forgets entries whose file is gone. */
  async #reconcile(): Promise<void> {
    const files = new Set((await readdir(this.#records)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)));
    const indexed = new Set(
      ((await busyRetry(() => this.#db.prepare('SELECT key FROM entries').all())) as { key: string }[]).map(
        (r) => r.key,
      ),
    );
    const missing: RecordMeta[] = [];
    for (const key of files) {
      if (indexed.has(key)) continue;
      try {
        missing.push(recordMeta(parseRecordFile(await readFile(this.#file(key), 'utf8'), key, this.#file(key))));
      } catch {
        // Not a valid record: get() will refuse it with the reason; it cannot be queried.
      }
    }
    if (missing.length > 0) await busyRetry(() => this.#index(missing));
    const gone = [...indexed].filter((key) => !files.has(key));
    if (gone.length > 0) {
      const del = this.#db.prepare('DELETE FROM entries WHERE key = ?');
      await busyRetry(() => {
        this.#db.exec('BEGIN IMMEDIATE');
        try {
          for (const key of gone) del.run(key), this.#unlink.run(key);
          this.#db.exec('COMMIT');
        } catch (error) {
          if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
          throw error;
        }
      });
    }
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

/** The index's connection settings. */
const INDEX_PRAGMAS = `
  -- First: switching to WAL takes an exclusive lock, and a second process opening the same
  -- folder at that moment must wait for it, not fail with "database is locked".
  PRAGMA busy_timeout = 10000;
  PRAGMA journal_mode = WAL;
  -- The index is derived from the record files and reconciled with them on every open, so it
  -- needs no durability of its own: OFF spares an fsync per commit. A crash of the machine that
  -- corrupts it is handled in openIndex by rebuilding it from the files.
  PRAGMA synchronous = OFF;
`;

/** The index's tables, of INDEX_VERSION. */
const INDEX_SQL = `
  -- The index of version 1 (runs only); entries replaces it, rebuilt from the files by reconcile.
  DROP TABLE IF EXISTS records;
  -- kind, subject_id, scenario_id and build_id are a run's (NULL for failure, recovery and fallback records).
  CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, record_type TEXT NOT NULL, kind TEXT, subject_id TEXT, scenario_id TEXT, build_id TEXT, started_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS entries_by_build ON entries (build_id, started_at, key);
  CREATE INDEX IF NOT EXISTS entries_by_time ON entries (record_type, started_at, key);
  CREATE INDEX IF NOT EXISTS entries_by_kind ON entries (kind, started_at, key);
  CREATE INDEX IF NOT EXISTS entries_by_subject ON entries (subject_id, started_at, key);
  CREATE INDEX IF NOT EXISTS entries_by_scenario ON entries (scenario_id, started_at, key);
  -- Which records name which failure ids (a failure trace names every failure of its cascade).
  CREATE TABLE IF NOT EXISTS failure_links (failure_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (failure_id, key)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS failure_links_by_key ON failure_links (key);
`;

/**
 * The version of the index's tables. An index of an older version (without build_id, say) is
 * dropped and rebuilt from the record files, which are the truth, by the reconcile on open.
 */
const INDEX_VERSION = 3;

/** Sets the connection up and brings the tables to INDEX_VERSION, dropping those of an older one. */
function prepareIndex(db: DatabaseSync): void {
  db.exec(INDEX_PRAGMAS);
  const versionOf = () => (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (versionOf() >= INDEX_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    // Read again under the lock: another process opening the folder may have upgraded it meanwhile.
    if (versionOf() < INDEX_VERSION) {
      db.exec('DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS failure_links;');
      db.exec(INDEX_SQL);
      db.exec(`PRAGMA user_version = ${INDEX_VERSION}`);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** Opens the index; one that cannot be read (corrupt, or not SQLite) is set aside and built anew. */
async function openIndex(file: string): Promise<DatabaseSync> {
  try {
    return await busyRetry(() => {
      const db = new DatabaseSync(file, { timeout: 10_000 });
      try {
        prepareIndex(db);
        db.prepare('SELECT count(*) FROM entries').get();
        return db;
      } catch (error) {
        db.close();
        throw error;
      }
    });
  } catch (error) {
    const message = (error as Error).message;
    if (!/malformed|not a database|corrupt/i.test(message))
      throw new StoreError({ store: 'files', message: `cannot open the index ${file}: ${message}`, cause: error });
    const aside = `${file}.corrupt-${Date.now()}`;
    await rename(file, aside);
    for (const suffix of ['-wal', '-shm']) await rm(`${file}${suffix}`, { force: true });
    const db = new DatabaseSync(file, { timeout: 10_000 });
    prepareIndex(db);
    return db;
  }
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
