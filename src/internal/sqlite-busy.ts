import { retrying } from './retry.ts';
import { errorText } from './to-error.ts';

/** How long an index operation keeps trying while another process holds the database busy. */
const BUSY_RETRY_MS = 15_000;

/**
 * Runs a node:sqlite operation again while SQLite answers "database is locked". The busy timeout
 * covers most contention, but SQLite returns SQLITE_BUSY without waiting while another process's
 * last connection cleans up the WAL on close, or while a connection runs recovery.
 */
export function busyRetry<T>(operation: () => T): Promise<T> {
  return retrying(operation, {
    attempts: Number.POSITIVE_INFINITY,
    baseMs: 5,
    maxMs: 200,
    maxTimeMs: BUSY_RETRY_MS,
    retryable: (error) => /database is locked|SQLITE_BUSY/i.test(errorText(error)),
  });
}
