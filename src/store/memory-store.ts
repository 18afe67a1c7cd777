import { type LabRecord, type RecordMeta, recordMeta, type RecordType } from '../contracts/lab-record.ts';
import { StoreError } from '../errors/store-error.ts';
import { errorText } from '../internal/to-error.ts';
import { compareRecords, decodeCursor, encodeCursor, matchesQuery } from './query-filter.ts';
import { readRecord } from './read-record.ts';
import {
  DEFAULT_PAGE_SIZE,
  type PutOutcome,
  putEach,
  type QueryResult,
  type TracePage,
  type TraceQuery,
  type TraceStore,
} from './trace-store.ts';

/**
 * The reference TraceStore and the test double. Records are kept as JSON text, so what comes back
 * is a copy. Nothing but put can change what is held, so a record is checked against its
 * contract once, on the way in; durable stores check on the way out, where files can change.
 */
export class MemoryStore implements TraceStore {
  readonly name = 'memory';
  readonly #docs = new Map<string, { json: string; meta: RecordMeta }>();
  /** One copy of each subject, scenario, build id and kind, however many records name it. */
  readonly #names = new Map<string, string>();
  #closed = false;

  async put(record: LabRecord): Promise<void> {
    this.#open();
    const meta = recordMeta(record);
    readRecord(record, meta.key, 'write');
    for (const field of ['kind', 'subject_id', 'scenario_id', 'build_id'] as const)
      meta[field] = this.#intern(meta[field]);
    if (meta.failure_ids.length === 0) meta.failure_ids = NO_IDS;
    this.#docs.set(meta.key, { json: byteJson(record), meta });
  }

  putMany(records: readonly LabRecord[]): Promise<PutOutcome[]> {
    return putEach(this, records, (r) => recordMeta(r).key, errorText);
  }

  async get(key: string): Promise<LabRecord | undefined> {
    this.#open();
    const doc = this.#docs.get(key);
    return doc === undefined ? undefined : (JSON.parse(doc.json) as LabRecord);
  }

  async query<T extends RecordType | 'all' | undefined = undefined>(
    query: TraceQuery & { record_type?: T } = {},
  ): Promise<TracePage<QueryResult<T>>> {
    this.#open();
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const matching = [...this.#docs.values()]
      .filter(({ meta }) => matchesQuery(meta, query) && (!after || compareRecords(meta, after) > 0))
      .sort((a, b) => compareRecords(a.meta, b.meta));
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    return {
      records: page.map((e) => JSON.parse(e.json) as QueryResult<T>),
      cursor: matching.length > limit && last ? encodeCursor(last.meta) : null,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** The number of records held. */
  get size(): number {
    return this.#docs.size;
  }

  #intern(name: string | null): string | null {
    if (name === null) return null;
    const held = this.#names.get(name);
    if (held !== undefined) return held;
    this.#names.set(name, name);
    return name;
  }

  #open(): void {
    if (this.#closed) throw new StoreError({ store: this.name, message: 'the store is closed' });
  }
}

const NO_IDS: string[] = [];
const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_ALL = /[^\x00-\x7f]/g;

/**
 * A record's JSON with every non-ASCII character written as a \u escape, which JSON.parse reads
 * back as the same character. V8 keeps a string at a byte a character only when every character
 * fits in a byte: one "–" in a record would otherwise double the memory the whole record takes.
 */
export function byteJson(record: LabRecord): string {
  const json = JSON.stringify(record);
  if (!NON_ASCII.test(json)) return json;
  const escaped = json.replace(NON_ASCII_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // replace() keeps the two-byte representation; a Latin-1 round trip makes it one byte a character.
  return Buffer.from(escaped, 'latin1').toString('latin1');
}
