import type { PutOutcome, TraceStore } from '../store/trace-store.ts';
import { type LabRecord, storeKey } from '../contracts/lab-record.ts';
import { errorText } from '../internal/to-error.ts';

/**
 * Groups records written by concurrent runs into putMany batches (bulk operations for Cosmos,
 * one folder sync for files). A batch is sent when it is full or when the linger has passed;
 * batches may be in flight together. Cosmos's executeBulkOperations waits about a second before
 * sending a partial batch (so the cosmos store writes a small batch as point upserts), and runs
 * must not wait for their write: capture hands a record over
 * and goes on with the next run.
 */
export class BatchWriter {
  readonly #store: TraceStore;
  readonly #maxBatch: number;
  readonly #lingerMs: number;
  #queue: { record: LabRecord; resolve: (outcome: PutOutcome) => void }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(store: TraceStore, { maxBatch = 500, lingerMs = 20 }: { maxBatch?: number; lingerMs?: number } = {}) {
    this.#store = store;
    this.#maxBatch = maxBatch;
    this.#lingerMs = lingerMs;
  }

  /** Resolves with the record's outcome once its batch is written; never rejects. */
  write(record: LabRecord): Promise<PutOutcome> {
    return new Promise((resolve) => {
      this.#queue.push({ record, resolve });
      if (this.#queue.length >= this.#maxBatch) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#lingerMs);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    this.#store.putMany(batch.map((b) => b.record)).then(
      (outcomes) => batch.forEach((b, i) => b.resolve(outcomes[i]!)),
      (error: unknown) =>
        batch.forEach((b) => b.resolve({ key: storeKey(b.record), stored: false, error: errorText(error) })),
    );
  }
}
