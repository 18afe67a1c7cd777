import { type LabRecord, type RecordMeta, recordMeta, type RecordType } from '../contracts/lab-record.ts';
import { StoreError } from '../errors/store-error.ts';
import { errorText } from '../internal/to-error.ts';
import { compareRecords, decodeCursor, encodeCursor, matchesQuery } from './query-filter.ts';
import { readRecord } from './read-record.ts';
import { DEFAULT_PAGE_SIZE, type PutOutcome, putEach, type QueryResult, type TracePage, type TraceQuery, type TraceStore } from './trace-store.ts';

/**
 * The reference TraceStore and the test double. Records are kept as JSON text, so what comes back
 * is a copy. Nothing but put can change what is held, so a record is checked against its
 * contract once, on the way in; durable stores check on the way out, where files can change.
 */
export class MemoryStore implements TraceStore {
  readonly name = 'memory';
  readonly #docs = new Map<string, { json: string; meta: RecordMeta }>();
  #closed = false;

  async put(record: LabRecord): Promise<void> {
    this.#open();
    const meta = recordMeta(record);
    readRecord(record, meta.key, 'write');
    this.#docs.set(meta.key, { json: JSON.stringify(record), meta });
  }

  putMany(records: readonly LabRecord[]): Promise<PutOutcome[]> {
    return putEach(this, records, (r) => recordMeta(r).key, errorText);
  }

  async get(key: string): Promise<LabRecord | undefined> {
    this.#open();
    const doc = this.#docs.get(key);
    return doc === undefined ? undefined : (JSON.parse(doc.json) as LabRecord);
  }

  async query<T extends RecordType | 'all' | undefined = undefined>(query: TraceQuery & { record_type?: T } = {}): Promise<TracePage<QueryResult<T>>> {
    this.#open();
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const matching = [...this.#docs.values()]
      .filter(({ meta }) => matchesQuery(meta, query) && (!after || compareRecords(meta, after) > 0))
      .sort((a, b) => compareRecords(a.meta, b.meta));
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    return { records: page.map((e) => JSON.parse(e.json) as QueryResult<T>), cursor: matching.length > limit && last ? encodeCursor(last.meta) : null };
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
