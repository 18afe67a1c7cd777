import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { StoreError } from '../errors/store-error.ts';
import { isDamage, openCheckedIndex, rowCheck, sqliteDamage } from '../internal/derived-index.ts';
import { errorText } from '../internal/to-error.ts';
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
  /** False for a read-only connection: nothing may change it. */
  readonly writable: boolean;
  /** Why the index was set aside and started anew on open (and where the old one is), or null. */
  rebuilt: { damage: string; aside: string | null } | null = null;
  readonly #upsert: StatementSync | undefined;
  readonly #remove: StatementSync | undefined;
  readonly #removeUnreadable: StatementSync | undefined;
  readonly #unreadable: StatementSync | undefined;
  readonly #stamp: StatementSync;
  /** One connection holds one transaction: the ledger's own calls queue here before taking the lock. */
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(db: DatabaseSync, writable: boolean) {
    this.#db = db;
    this.writable = writable;
    if (writable) {
      this.#upsert = db.prepare(
        'INSERT OR REPLACE INTO failures (failure_id, timestamp, status, category, subcategory, severity, fingerprint, build_id, sla_target, revision, stamp, row_check) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      this.#remove = db.prepare('DELETE FROM failures WHERE failure_id = ?');
      this.#removeUnreadable = db.prepare('DELETE FROM unreadable WHERE failure_id = ?');
      this.#unreadable = db.prepare('INSERT OR REPLACE INTO unreadable (failure_id, stamp, reason) VALUES (?, ?, ?)');
    }
    this.#stamp = db.prepare(
      'SELECT stamp FROM failures WHERE failure_id = ?1 UNION ALL SELECT stamp FROM unreadable WHERE failure_id = ?1',
    );
  }

  /**
   * Opens the index of a ledger that writes. One that SQLite finds damaged (quick_check), or whose
   * rows disagree with their checksums, is set aside and a new one is returned with `rebuilt` set:
   * the ledger's reconcile fills it from the files and says so.
   */
  static async openForWriting(file: string): Promise<FailureIndex> {
    const { db, rebuilt } = await openCheckedIndex(file, 'the failure index', connect, indexDamage);
    const index = new FailureIndex(db, true);
    if (rebuilt) index.rebuilt = rebuilt;
    return index;
  }

  /**
   * Opens the index of a ledger that only reads, without writing a byte: a read-only connection,
   * or undefined when there is no sound index of this version to read (a damaged one is named in
   * `damage`): the ledger then builds one in memory from the files.
   */
  static openReadOnly(file: string): { index?: FailureIndex; damage: string | null } {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(file, { readOnly: true, timeout: 10_000 });
      const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
      if (version === INDEX_VERSION) {
        const damage = indexDamage(db);
        if (damage === null) return { index: new FailureIndex(db, false), damage: null };
        db.close();
        return { damage };
      }
    } catch (error) {
      db?.close();
      // Not openable read-only (missing, or a read-only folder without the WAL's shared-memory file): the files answer.
      return { damage: isDamage(error) ? errorText(error) : null };
    }
    db.close();
    return { damage: null };
  }

  /** An index in memory, for a ledger read where no sound index can be read on disk; the reconcile fills it. */
  static memory(): FailureIndex {
    const db = new DatabaseSync(':memory:');
    db.exec(TABLES);
    return new FailureIndex(db, true);
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
    this.#writable().upsert!.run(...rowValues(f, stamp), rowCheck(rowValues(f, stamp)));
    this.#removeUnreadable!.run(f.failure_id);
  }

  /** Forgets a record's row (inside `exclusive`). */
  remove(failureId: string): void {
    this.#writable().remove!.run(failureId);
    this.#removeUnreadable!.run(failureId);
  }

  /** Keeps a record file that cannot be read, by its stamp, so every query names it (inside `exclusive`). */
  markUnreadable(failureId: string, stamp: string, reason: string): void {
    this.#writable().remove!.run(failureId);
    this.#unreadable!.run(failureId, stamp, reason);
  }

  /** The stamp of the file a row (or an unreadable entry) was made from, or undefined when there is none. */
  stampOf(failureId: string): string | undefined {
    return (this.#stamp.get(failureId) as { stamp: string } | undefined)?.stamp;
  }

  /** Every row's (and unreadable entry's) stamp, by failure_id. */
  stamps(): Promise<Map<string, string>> {
    return busyRetry(
      () =>
        new Map(
          (
            this.#db
              .prepare('SELECT failure_id, stamp FROM failures UNION ALL SELECT failure_id, stamp FROM unreadable')
              .all() as { failure_id: string; stamp: string }[]
          ).map((r) => [r.failure_id, r.stamp]),
        ),
    );
  }

  /** The record files that cannot be read, with the reason. */
  unreadable(): Promise<{ failure_id: string; reason: string }[]> {
    return busyRetry(
      () =>
        this.#db.prepare('SELECT failure_id, reason FROM unreadable ORDER BY failure_id').all() as {
          failure_id: string;
          reason: string;
        }[],
    );
  }

  /** How many rows the index holds. */
  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM failures').get() as { n: number }).n;
  }

  #writable(): { upsert: StatementSync | undefined; remove: StatementSync | undefined } {
    if (!this.writable)
      throw new StoreError({ store: 'files', message: 'the failure index was opened read-only, for reading' });
    return { upsert: this.#upsert, remove: this.#remove };
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
const INDEX_VERSION = 2;

/**
 * One row per record file. stamp is the file's inode, size and mtime (ns) when the row was made:
 * every write renames a new file into place, so a file changed behind the index (a writer killed
 * between its rename and its commit, an edit by hand) has another stamp, and only those files are
 * read again by the reconcile on open. row_check is the checksum of the row's columns and stamp
 * (derived-index.ts): a row changed behind the ledger (a wrong status, a wrong build_id) fails it
 * on open, and the index is set aside and rebuilt. unreadable keeps the files that cannot be
 * read, by stamp, so every query names them instead of losing them.
 */
const TABLES = `
  CREATE TABLE failures (
    failure_id TEXT PRIMARY KEY, timestamp TEXT NOT NULL, status TEXT NOT NULL, category TEXT NOT NULL,
    subcategory TEXT NOT NULL, severity TEXT NOT NULL, fingerprint TEXT NOT NULL, build_id TEXT NOT NULL,
    sla_target TEXT NOT NULL, revision INTEGER NOT NULL, stamp TEXT NOT NULL, row_check TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX failures_by_time ON failures (timestamp, failure_id);
  CREATE INDEX failures_by_status ON failures (status, timestamp, failure_id);
  CREATE INDEX failures_by_fingerprint ON failures (fingerprint, timestamp, failure_id);
  CREATE INDEX failures_by_build ON failures (build_id, timestamp, failure_id);
  CREATE INDEX failures_by_sla ON failures (sla_target);
  CREATE TABLE unreadable (failure_id TEXT PRIMARY KEY, stamp TEXT NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID;
`;

/** A read-write connection with its settings and its tables at INDEX_VERSION. */
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
          db.exec(
            `DROP TABLE IF EXISTS failures; DROP TABLE IF EXISTS unreadable; ${TABLES} PRAGMA user_version = ${INDEX_VERSION};`,
          );
        db.exec('COMMIT');
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw error;
      }
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A row's columns, in the order of the upsert and of the checksum. */
function rowValues(f: FailureFields, stamp: string): (string | number)[] {
  return [
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
  ];
}

/** What is wrong with an index's structure or rows, or null when SQLite and every row's checksum agree. */
function indexDamage(db: DatabaseSync): string | null {
  const damage = sqliteDamage(db);
  if (damage !== null) return `SQLite's quick_check: ${damage}`;
  try {
    const rows = db.prepare('SELECT * FROM failures').all() as unknown as (FailureFields & {
      stamp: string;
      row_check: string;
    })[];
    const wrong = rows.filter((r) => rowCheck(rowValues(r, r.stamp)) !== r.row_check);
    if (wrong.length > 0)
      return `${wrong.length} row${wrong.length === 1 ? '' : 's'} disagree${wrong.length === 1 ? 's' : ''} with ${wrong.length === 1 ? 'its' : 'their'} checksum (failure ${wrong[0]!.failure_id}, status ${wrong[0]!.status})`;
  } catch (error) {
    if (isDamage(error)) return errorText(error);
    throw error;
  }
  return null;
}
