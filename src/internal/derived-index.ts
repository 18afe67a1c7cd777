import { createHash, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors/store-error.ts';
import { realFs, writeSynced } from './durable-files.ts';
import { errorText } from './to-error.ts';
import { busyRetry } from './sqlite-busy.ts';

/**
 * Helpers shared by the files store's and the files ledger's SQLite indexes. Both are derived
 * from record files, which are the truth (docs/stores.md): an index that SQLite finds damaged, or
 * whose rows disagree with their checksums, is set aside and rebuilt from the files.
 */

/** How a store or ledger is opened: `write` may create and repair; `read` never writes a byte. */
export type OpenMode = 'read' | 'write';

/** Where a store says what it did on its own (an index set aside, a record skipped): one line each. */
export type Warn = (line: string) => void;

/** The default Warn: standard error. */
export const stderrWarn: Warn = (line) => void process.stderr.write(`${line}\n`);

/** True for an SQLite error that means the file is damaged (or not a database at all). */
export function isDamage(error: unknown): boolean {
  return /malformed|not a database|corrupt|SQLITE_CORRUPT|SQLITE_NOTADB/i.test(errorText(error));
}

/** True for an error that means the folder cannot be written: read-only, no permission, full, or a size limit. */
export function isUnwritable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code && ['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EFBIG', 'EDQUOT'].includes(code)) return true;
  return /readonly|read-only|disk I\/O error|database or disk is full|unable to open database/i.test(errorText(error));
}

/**
 * What SQLite's own check finds wrong in a database, or null when it finds nothing. quick_check
 * reads every page and checks the b-trees' structure in time linear in the file's size; unlike
 * integrity_check it does not compare each index with its table, which the row checksums cover
 * for the columns queries filter on.
 */
export function sqliteDamage(db: DatabaseSync): string | null {
  try {
    const rows = db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((t) => t !== 'ok');
    return problems.length === 0 ? null : problems.slice(0, 3).join('; ');
  } catch (error) {
    if (isDamage(error)) return errorText(error);
    throw error;
  }
}

/**
 * A row's checksum: its columns and the stamp of the file version they were read from. A row that
 * no longer matches its checksum was changed behind the store (a bit flip, an edit by hand, a bug);
 * a row whose stamp no longer matches its file's was made from another version of the file.
 * Together they check every row against its file at the cost of one stat per file.
 */
export function rowCheck(values: readonly (string | number | null)[]): string {
  return createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 22);
}

/** What tells one version of a file from another: every write renames a new file (a new inode) into place. */
export function stampFrom(info: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${info.ino}:${info.size}:${info.mtimeNs}`;
}

/** A file's stamp, or undefined when it does not exist. */
export async function stampOf(file: string): Promise<string | undefined> {
  try {
    return stampFrom(await stat(file, { bigint: true }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Renames a damaged index (and its WAL, which belongs with it) aside, keeping both for a post
 * mortem, and returns the new name. Only the file that was checked is moved: when another process
 * has already replaced it with a new index, nothing is renamed and null is returned.
 */
export async function setIndexAside(file: string, checkedIno: bigint | undefined): Promise<string | null> {
  const now = await stat(file, { bigint: true }).catch(() => undefined);
  if (now === undefined || (checkedIno !== undefined && now.ino !== checkedIno)) return null;
  const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  await rename(file, aside);
  await rename(`${file}-wal`, `${aside}-wal`).catch(() => {});
  await rm(`${file}-shm`, { force: true });
  return aside;
}

/**
 * A file's stamp, read synchronously: an open stats every record file, and thousands of awaited
 * stats cost a thread-pool round trip each (seconds at 10,000 files) where a synchronous stat
 * costs microseconds.
 */
export function stampOfSync(file: string): string | undefined {
  const info = statSync(file, { bigint: true, throwIfNoEntry: false });
  return info === undefined ? undefined : stampFrom(info);
}

/** The inode of a file, or undefined when it does not exist. */
export async function inodeOf(file: string): Promise<bigint | undefined> {
  return (await stat(file, { bigint: true }).catch(() => undefined))?.ino;
}

/**
 * Proves a folder takes a new file before anything is run: writes, fsyncs and removes a small
 * file (on the real file system: the probe is not a record write). A read-only, full or
 * size-limited folder fails here with exit 2, naming the folder.
 */
export async function checkWritable(dir: string, what: string): Promise<void> {
  const fs = realFs;
  const probe = path.join(dir, `.write-probe.${process.pid}.${randomUUID()}`);
  try {
    await writeSynced(fs, probe, 'x'.repeat(4096));
  } catch (error) {
    await fs.remove(probe).catch(() => {});
    throw new StoreError({
      store: 'files',
      exitCode: 2,
      message: `cannot write to ${what} ${dir} (${errorText(error)}): it is read-only, full or over a file-size limit; free space, make it writable or pass --dir to choose another folder`,
      cause: error,
    });
  }
  await fs.remove(probe);
}

/** The names of the `.json` record files in a folder, without the extension (none when it does not exist). */
export async function recordFileKeys(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** What opening an index for writing found: the connection, and the damage it set aside, if any. */
export interface CheckedIndex {
  db: DatabaseSync;
  /** Set when the index was damaged: it was set aside (`aside`, null if it could not be) and `db` is a new, empty one. */
  rebuilt: { damage: string; aside: string | null } | null;
}

/**
 * Opens an index a store writes and checks it with `damageOf`; a damaged one (or one SQLite cannot
 * open) is closed, set aside beside the files, and opened anew empty, for the caller to rebuild
 * from the files. Any other failure to open it is a StoreError (exit 2 when the folder cannot be
 * written). Shared by the files store and the files ledger.
 */
export async function openCheckedIndex(
  file: string,
  what: string,
  connect: (file: string) => DatabaseSync,
  damageOf: (db: DatabaseSync) => string | null,
): Promise<CheckedIndex> {
  const ino = await inodeOf(file);
  let db: DatabaseSync | undefined;
  let damage: string | null;
  try {
    db = await busyRetry(() => connect(file));
    damage = damageOf(db);
  } catch (error) {
    if (!isDamage(error))
      throw new StoreError({
        store: 'files',
        exitCode: isUnwritable(error) ? 2 : 1,
        message: `cannot open ${what} ${file}: ${errorText(error)}`,
        cause: error,
      });
    damage = errorText(error);
  }
  if (damage === null) return { db: db!, rebuilt: null };
  db?.close();
  const aside = await setIndexAside(file, ino);
  return { db: await busyRetry(() => connect(file)), rebuilt: { damage, aside } };
}
