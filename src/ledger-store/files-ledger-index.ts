import { rename, rm } from 'node:fs/promises';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { StoreError } from '../errors/store-error.ts';
import { busyRetry } from '../internal/sqlite-busy.ts';
import type { FailureQuery } from './failure-ledger.ts';
import type { FailureFields } from './failure-fields.ts';
import { CLOSED_STATUSES, type NormalizedFailureQuery } from './failure-query-filter.ts';

/** One row of a query page: enough to read the file and to tell whether the row is stale. */
export interface IndexRow {
  failure_id: string;
  timestamp: string;
  stamp: string;
}

/**
 * The files ledger's index, `failures/index.sqlite` (node:sqlite, WAL): one row per record file,
 * derived from the files and never the truth. Its write lock is also the ledger's cross-process
 * lock: `exclusive` holds a `BEGIN IMMEDIATE` transaction around a whole compare-and-swap, and
 * SQLite grants that lock to one connection, in one process, at a time.
 */
export class FailureIndex {
  readonly #db: DatabaseSync;
  readonly #upsert: StatementSync;
  readonly #remove: StatementSync;
  readonly #stamp: StatementSync;
  /** One connection holds one transaction: the ledger's own calls queue here before taking the lock. */
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(db: DatabaseSync) {
    this.#db = db;
    this.#upsert = db.prepare(
      'INSERT OR REPLACE INTO failures (failure_id, timestamp, status, category, subcategory, severity, fingerprint, build_id, sla_target, revision, stamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#remove = db.prepare('DELETE FROM failures WHERE failure_id = ?');
    this.#stamp = db.prepare('SELECT stamp FROM failures WHERE failure_id = ?');
  }

  /** Opens the index; one that cannot be read (corrupt, or not SQLite) is set aside and rebuilt by the ledger's reconcile. */
  static async open(file: string): Promise<FailureIndex> {
    try {
      return new FailureIndex(await busyRetry(() => connect(file)));
    } catch (error) {
      const message = (error as Error).message;
      if (!/malformed|not a database|corrupt/i.test(message))
        throw new StoreError({
          store: 'files',
          message: `cannot open the failure index ${file}: ${message}`,
          cause: error,
        });
      await rename(file, `${file}.corrupt-${Date.now()}`);
      for (const suffix of ['-wal', '-shm']) await rm(`${file}${suffix}`, { force: true });
      return new FailureIndex(await busyRetry(() => connect(file)));
    }
  }

  /**
   * Runs `work` inside an exclusive write transaction, committed when it resolves and rolled back
   * when it throws. No other process can write the index, or pass a compare-and-swap, meanwhile.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(async () => {
      await busyRetry(() => this.#db.exec('BEGIN IMMEDIATE'));
      try {
        const result = await work();
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
    this.#tail = run.catch(() => {});
    return run;
  }

  /** Sets a record's row (inside `exclusive`). */
  upsert(f: FailureFields, stamp: string): void {
    this.#upsert.run(
      f.failure_id,
      f.timestamp,
      f.status,
      f.category,
      f.subcategory,
      f.severity,
      f.fingerprint,
      f.build_id,
      f.sla_target,
      f.revision,
      stamp,
    );
  }

  /** Forgets a record's row (inside `exclusive`). */
  remove(failureId: string): void {
    this.#remove.run(failureId);
  }

  /** The stamp of the file a row was made from, or undefined when there is no row. */
  stampOf(failureId: string): string | undefined {
    return (this.#stamp.get(failureId) as { stamp: string } | undefined)?.stamp;
  }

  /** Every row's stamp, by failure_id. */
  stamps(): Promise<Map<string, string>> {
    return busyRetry(
      () =>
        new Map(
          (
            this.#db.prepare('SELECT failure_id, stamp FROM failures').all() as { failure_id: string; stamp: string }[]
          ).map((r) => [r.failure_id, r.stamp]),
        ),
    );
  }

  /** Up to `limit` rows matching a query, in timestamp, failure_id order, after its cursor. */
  page(
    query: FailureQuery,
    n: NormalizedFailureQuery,
    after: { timestamp: string; failure_id: string } | null,
    limit: number,
  ): Promise<IndexRow[]> {
    // Conditions are fixed SQL; only the values come from the query, always as parameters.
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (n.statuses !== undefined)
      where.push('status IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(n.statuses));
    if (query.category !== undefined) where.push('category = ?'), params.push(query.category);
    if (query.severity !== undefined) where.push('severity = ?'), params.push(query.severity);
    if (query.fingerprint !== undefined) where.push('fingerprint = ?'), params.push(query.fingerprint);
    if (query.build_id !== undefined) where.push('build_id = ?'), params.push(query.build_id);
    if (n.since !== undefined) where.push('timestamp >= ?'), params.push(n.since);
    if (n.until !== undefined) where.push('timestamp < ?'), params.push(n.until);
    if (n.overdue_at !== undefined)
      where.push('sla_target < ? AND status NOT IN (SELECT value FROM json_each(?))'),
        params.push(n.overdue_at, JSON.stringify(CLOSED_STATUSES));
    if (after)
      where.push('(timestamp > ? OR (timestamp = ? AND failure_id > ?))'),
        params.push(after.timestamp, after.timestamp, after.failure_id);
    const sql = `SELECT failure_id, timestamp, stamp FROM failures ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY timestamp, failure_id LIMIT ?`;
    return busyRetry(() => this.#db.prepare(sql).all(...params, limit) as unknown as IndexRow[]);
  }

  /** Closes the connection once the transactions under way have ended. */
  async close(): Promise<void> {
    await this.#tail;
    this.#db.close();
  }
}

/** The index's connection settings (as the files trace store's). */
const PRAGMAS = `
  -- First: switching to WAL takes an exclusive lock, and a second process opening the same
  -- folder at that moment must wait for it, not fail with "database is locked".
  PRAGMA busy_timeout = 10000;
  PRAGMA journal_mode = WAL;
  -- The index is derived from the record files and reconciled with them on open, and the
  -- compare-and-swap reads the revision from the file, so the index needs no durability of its
  -- own: OFF spares an fsync per commit. The lock it provides does not depend on it.
  PRAGMA synchronous = OFF;
`;

/** The version of the tables below; an index of another version is dropped and rebuilt from the files. */
const INDEX_VERSION = 1;

/**
 * One row per record file. stamp is the file's inode, size and mtime (ns) when the row was made:
 * every write renames a new file into place, so a file changed behind the index (a writer killed
 * between its rename and its commit, an edit by hand) has another stamp, and only those files are
 * read again by the reconcile on open.
 */
const TABLES = `
  CREATE TABLE failures (
    failure_id TEXT PRIMARY KEY, timestamp TEXT NOT NULL, status TEXT NOT NULL, category TEXT NOT NULL,
    subcategory TEXT NOT NULL, severity TEXT NOT NULL, fingerprint TEXT NOT NULL, build_id TEXT NOT NULL,
    sla_target TEXT NOT NULL, revision INTEGER NOT NULL, stamp TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX failures_by_time ON failures (timestamp, failure_id);
  CREATE INDEX failures_by_status ON failures (status, timestamp, failure_id);
  CREATE INDEX failures_by_fingerprint ON failures (fingerprint, timestamp, failure_id);
  CREATE INDEX failures_by_build ON failures (build_id, timestamp, failure_id);
  CREATE INDEX failures_by_sla ON failures (sla_target);
`;

/** A connection with its settings, its tables at INDEX_VERSION, and a read that proves the file is a database. */
function connect(file: string): DatabaseSync {
  const db = new DatabaseSync(file, { timeout: 10_000 });
  try {
    db.exec(PRAGMAS);
    const versionOf = () => (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (versionOf() !== INDEX_VERSION) {
      db.exec('BEGIN IMMEDIATE');
      try {
        // Read again under the lock: another process opening the folder may have built it meanwhile.
        if (versionOf() !== INDEX_VERSION)
          db.exec(`DROP TABLE IF EXISTS failures; ${TABLES} PRAGMA user_version = ${INDEX_VERSION};`);
        db.exec('COMMIT');
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw error;
      }
    }
    db.prepare('SELECT count(*) FROM failures').get();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
