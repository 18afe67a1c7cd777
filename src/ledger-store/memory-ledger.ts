import type { FailureRecord } from '../contracts/failure-record.ts';
import { StoreError } from '../errors/store-error.ts';
import { DEFAULT_FAILURE_PAGE, type FailureLedger, type FailurePage, type FailureQuery } from './failure-ledger.ts';
import { type FailureFields, failureFields } from './failure-fields.ts';
import {
  compareFailures,
  decodeFailureCursor,
  encodeFailureCursor,
  matchesFailureQuery,
  normalizeFailureQuery,
} from './failure-query-filter.ts';
import { checkedForWrite, checkRevision } from './read-failure.ts';
import { existingRecord, missingRecord, staleRevision } from './ledger-conflicts.ts';

/**
 * The reference FailureLedger and the test double. Records are kept as JSON text, so what comes
 * back is a copy and a caller can never change a stored record behind the ledger's back. Nothing
 * but create and replace can change what is held, so a record is checked against its contract
 * once, on the way in. Each method checks and writes without awaiting in between, so a
 * compare-and-swap is atomic on the one thread.
 */
export class MemoryLedger implements FailureLedger {
  readonly name = 'memory';
  readonly #docs = new Map<string, { json: string; fields: FailureFields }>();
  #closed = false;

  async get(failureId: string): Promise<FailureRecord | undefined> {
    this.#open();
    const doc = this.#docs.get(failureId);
    return doc === undefined ? undefined : (JSON.parse(doc.json) as FailureRecord);
  }

  async create(record: FailureRecord): Promise<void> {
    this.#open();
    const checked = checkedForWrite(record);
    checkRevision(checked, null);
    if (this.#docs.has(checked.failure_id)) throw existingRecord(checked.failure_id);
    this.#docs.set(checked.failure_id, { json: JSON.stringify(checked), fields: failureFields(checked) });
  }

  async replace(record: FailureRecord, expectedRevision: number): Promise<void> {
    this.#open();
    const checked = checkedForWrite(record);
    checkRevision(checked, expectedRevision);
    const stored = this.#docs.get(checked.failure_id);
    if (stored === undefined) throw missingRecord(checked.failure_id);
    if (stored.fields.revision !== expectedRevision)
      throw staleRevision(checked.failure_id, stored.fields.revision, expectedRevision);
    this.#docs.set(checked.failure_id, { json: JSON.stringify(checked), fields: failureFields(checked) });
  }

  async query(query: FailureQuery = {}): Promise<FailurePage> {
    this.#open();
    const limit = query.limit ?? DEFAULT_FAILURE_PAGE;
    const normalized = normalizeFailureQuery(query);
    const after = query.cursor ? decodeFailureCursor(query.cursor) : null;
    const matching = [...this.#docs.values()]
      .filter(
        ({ fields }) =>
          matchesFailureQuery(fields, query, normalized) && (!after || compareFailures(fields, after) > 0),
      )
      .sort((a, b) => compareFailures(a.fields, b.fields));
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    return {
      records: page.map((d) => JSON.parse(d.json) as FailureRecord),
      cursor: matching.length > limit && last ? encodeFailureCursor(last.fields) : null,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** The number of records held. */
  get size(): number {
    return this.#docs.size;
  }

  #open(): void {
    if (this.#closed) throw new StoreError({ store: this.name, message: 'the failure ledger is closed' });
  }
}
