import type { SkippedRecord } from '../store/trace-store.ts';
import type { CliIo } from './io.ts';

/**
 * The stored records a reading command skipped because they cannot be read (truncated, garbled,
 * empty, of a future schema_version). Each is named on stderr when first met, the rest of the
 * output goes on, and the command ends with a count and exit 1: nothing disappears silently.
 */
export class SkippedRecords {
  readonly #io: CliIo;
  readonly #seen = new Set<string>();

  constructor(io: CliIo) {
    this.#io = io;
  }

  /** Pass as the store's and the ledger's onSkip. */
  readonly onSkip = (skipped: SkippedRecord): void => {
    if (this.#seen.has(skipped.where)) return;
    this.#seen.add(skipped.where);
    this.#io.err(`skipped ${skipped.where}: ${skipped.reason}`);
  };

  /** How many distinct records were skipped. */
  get count(): number {
    return this.#seen.size;
  }

  /** The exit code of a command that would end with `code`: at least 1 when a record was skipped, after the count. */
  finish(code: number): number {
    if (this.count === 0) return code;
    this.#io.err(
      `skipped ${this.count} stored record${this.count === 1 ? '' : 's'} that could not be read (named above); the output lacks ${this.count === 1 ? 'it' : 'them'}: repair or remove ${this.count === 1 ? 'it' : 'them'} and run again`,
    );
    return Math.max(code, 1);
  }
}
