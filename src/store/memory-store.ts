import { recordKey, type TraceRecord } from '../contracts/trace-record.ts';
import { StoreError } from '../errors/store-error.ts';
import { compareRecords, decodeCursor, encodeCursor, matchesQuery } from './query-filter.ts';
import { DEFAULT_PAGE_SIZE, type PutOutcome, putEach, type TracePage, type TraceQuery, type TraceStore } from './trace-store.ts';
import { readRecord } from './read-record.ts';

/**
 * The reference TraceStore and the test double. Records are kept as JSON text, so what comes back
 * is a copy. Nothing but put can change what is held, so a record is checked against the
 * contract once, on the way in; durable stores check on the way out, where files can change.
 */
export class MemoryStore implements TraceStore {
  readonly name = 'memory';
  readonly #docs = new Map<string, string>();
  #closed = false;

  async put(record: TraceRecord): Promise<void> {
    this.#open();
    const key = recordKey(record);
    readRecord(record, key, 'write');
    this.#docs.set(key, JSON.stringify(record));
  }

  putMany(records: readonly TraceRecord[]): Promise<PutOutcome[]> {
    return putEach(this, records, recordKey, (e) => (e instanceof Error ? e.message : String(e)));
  }

  async get(key: string): Promise<TraceRecord | undefined> {
    this.#open();
    const doc = this.#docs.get(key);
    return doc === undefined ? undefined : (JSON.parse(doc) as TraceRecord);
  }

  async query(query: TraceQuery = {}): Promise<TracePage> {
    this.#open();
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const matching = [...this.#docs]
      .map(([key, doc]) => ({ key, record: JSON.parse(doc) as TraceRecord }))
      .map((e) => ({ ...e, started_at: e.record.started_at }))
      .filter((e) => matchesQuery(e.record, query) && (!after || compareRecords(e, after) > 0))
      .sort(compareRecords);
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    return { records: page.map((e) => e.record), cursor: matching.length > limit && last ? encodeCursor(last) : null };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** The number of records held. */
  get size(): number {
    return this.#docs.size;
  }

  #open(): void {
    if (this.#closed) throw new StoreError({ store: this.name, message: 'the store is closed' });
  }
}
