import { isDeepStrictEqual } from 'node:util';
import { type Container, CosmosClient, type SqlParameter } from '@azure/cosmos';
import type { FailureRecord } from '../contracts/failure-record.ts';
import type { SkippedRecord } from '../store/trace-store.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';
import { StoreError } from '../errors/store-error.ts';
import { errorText } from '../internal/to-error.ts';
import type { CosmosConfig } from '../store/cosmos-config.ts';
import { clientOptions, openContainer, retryingCosmos, statusOf } from '../store/cosmos-store.ts';
import { DEFAULT_FAILURE_PAGE, type FailureLedger, type FailurePage, type FailureQuery } from './failure-ledger.ts';
import { type FailureFields, failureFields } from './failure-fields.ts';
import { CLOSED_STATUSES, normalizeFailureQuery } from './failure-query-filter.ts';
import { changedSinceRead, existingRecord, missingRecord, staleRevision } from './ledger-conflicts.ts';
import { checkedForWrite, checkRevision, readFailure } from './read-failure.ts';

/**
 * The document a failure record is stored as: the partition key and the query fields beside the
 * record, which is kept whole under `record` (Cosmos adds its _rid, _etag, _ts at the top level).
 * id and failure_id (the partition key) are the record's failure_id; times are normalized.
 */
export interface FailureDocument extends FailureFields {
  id: string;
  record: FailureRecord;
}

/** The envelope a failure record is stored in. */
export function toFailureDocument(record: FailureRecord): FailureDocument {
  return { id: record.failure_id, ...failureFields(record), record };
}

/**
 * The failure ledger in Azure Cosmos DB (or the emulator, or @vercel/cosmosdb-server): one
 * document per record in the container COSMOS_CONTAINER_FAILURES, partitioned by /failure_id, so
 * get is one point read. create is `items.create` (409: the id exists); replace reads the stored
 * document, compares its revision, and writes with IfMatch on the _etag it read, so the server
 * refuses it (412) when anything wrote in between. Database and container are created on first use
 * (with the store's retry: openContainer).
 */
export class CosmosLedger implements FailureLedger {
  readonly name = 'cosmos';
  readonly #client: CosmosClient;
  readonly #container: Container;
  readonly #onSkip: (skipped: SkippedRecord) => void;
  #closed = false;

  private constructor(client: CosmosClient, container: Container, onSkip: (skipped: SkippedRecord) => void) {
    this.#client = client;
    this.#container = container;
    this.#onSkip = onSkip;
  }

  /** Connects, creating the database and the container if they are missing. */
  static async open(
    config: CosmosConfig,
    { onSkip = () => {} }: { onSkip?: (skipped: SkippedRecord) => void } = {},
  ): Promise<CosmosLedger> {
    const client = new CosmosClient(await clientOptions(config));
    try {
      // Queries order by timestamp then id across partitions.
      const container = await openContainer(client, config, '/timestamp');
      return new CosmosLedger(client, container, onSkip);
    } catch (error) {
      client.dispose();
      throw new StoreError({
        store: 'cosmos',
        message: `cannot open database "${config.database}", container "${config.container}" at ${config.endpoint}: ${errorText(error)}`,
        cause: error,
      });
    }
  }

  async get(failureId: string): Promise<FailureRecord | undefined> {
    this.#open();
    const doc = await this.#read(failureId);
    return doc === undefined ? undefined : readFailure(doc.record, failureId);
  }

  async create(record: FailureRecord): Promise<void> {
    this.#open();
    const checked = checkedForWrite(record);
    checkRevision(checked, null);
    let attempts = 0;
    try {
      await retryingCosmos(() => (attempts++, this.#container.items.create(toFailureDocument(checked))));
    } catch (error) {
      if (statusOf(error) !== 409)
        throw new StoreError({
          store: this.name,
          recordKey: checked.failure_id,
          message: `create failed: ${errorText(error)}`,
          cause: error,
        });
      if (attempts > 1 && (await this.#holds(checked))) return;
      throw existingRecord(checked.failure_id);
    }
  }

  async replace(record: FailureRecord, expectedRevision: number): Promise<void> {
    this.#open();
    const checked = checkedForWrite(record);
    checkRevision(checked, expectedRevision);
    const id = checked.failure_id;
    const current = await this.#read(id);
    if (current === undefined) throw missingRecord(id);
    const stored = readFailure(current.record, id);
    if (stored.lab.revision !== expectedRevision) throw staleRevision(id, stored.lab.revision, expectedRevision);
    let attempts = 0;
    try {
      await retryingCosmos(
        () => (
          attempts++,
          this.#container
            .item(id, id)
            .replace(toFailureDocument(checked), { accessCondition: { type: 'IfMatch', condition: current._etag } })
        ),
      );
    } catch (error) {
      const status = statusOf(error);
      if (status !== 412 && status !== 404)
        throw new StoreError({
          store: this.name,
          recordKey: id,
          message: `replace failed: ${errorText(error)}`,
          cause: error,
        });
      if (attempts > 1 && (await this.#holds(checked))) return;
      throw status === 404 ? missingRecord(id) : changedSinceRead(id);
    }
  }

  async query(query: FailureQuery = {}): Promise<FailurePage> {
    this.#open();
    const n = normalizeFailureQuery(query);
    // The conditions are fixed text; every value goes in as a parameter.
    const where: string[] = [];
    const parameters: SqlParameter[] = [];
    const bind = (condition: string, ...values: [string, SqlParameter['value']][]) => {
      where.push(condition);
      for (const [name, value] of values) parameters.push({ name, value });
    };
    if (n.statuses !== undefined) bind('ARRAY_CONTAINS(@statuses, c.status)', ['@statuses', [...n.statuses]]);
    if (query.category !== undefined) bind('c.category = @category', ['@category', query.category]);
    if (query.severity !== undefined) bind('c.severity = @severity', ['@severity', query.severity]);
    if (query.fingerprint !== undefined) bind('c.fingerprint = @fingerprint', ['@fingerprint', query.fingerprint]);
    if (query.build_id !== undefined) bind('c.build_id = @build', ['@build', query.build_id]);
    if (n.since !== undefined) bind('c.timestamp >= @since', ['@since', n.since]);
    if (n.until !== undefined) bind('c.timestamp < @until', ['@until', n.until]);
    if (n.overdue_at !== undefined)
      bind(
        '(c.sla_target < @overdue AND NOT ARRAY_CONTAINS(@closed, c.status))',
        ['@overdue', n.overdue_at],
        ['@closed', [...CLOSED_STATUSES]],
      );
    const iterator = this.#container.items.query<{ id: string; record: unknown }>(
      {
        query: `SELECT c.id, c.record FROM c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.timestamp ASC, c.id ASC`,
        parameters,
      },
      { maxItemCount: query.limit ?? DEFAULT_FAILURE_PAGE, continuationToken: query.cursor ?? undefined },
    );
    try {
      const page = await retryingCosmos(() => iterator.fetchNext());
      // A document that breaks its contract is named and skipped; the rest of the page goes on (docs/stores.md).
      const records: FailureRecord[] = [];
      const skipped: SkippedRecord[] = [];
      for (const doc of page.resources) {
        try {
          records.push(readFailure(doc.record, doc.id));
        } catch (error) {
          skipped.push({ key: doc.id, where: `${this.#container.id}/${doc.id}`, reason: errorText(error) });
        }
      }
      for (const s of skipped) this.#onSkip(s);
      return {
        records,
        cursor: page.hasMoreResults && page.continuationToken ? page.continuationToken : null,
        ...(skipped.length > 0 ? { skipped } : {}),
      };
    } catch (error) {
      if (error instanceof ContractViolationError) throw error;
      throw new StoreError({ store: this.name, message: `query failed: ${errorText(error)}`, cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.dispose();
  }

  #open(): void {
    if (this.#closed) throw new StoreError({ store: this.name, message: 'the failure ledger is closed' });
  }

  /** The stored document with its _etag, undefined when there is none. */
  async #read(failureId: string): Promise<(FailureDocument & { _etag: string }) | undefined> {
    try {
      const { resource } = await retryingCosmos(() =>
        this.#container.item(failureId, failureId).read<FailureDocument & { _etag: string }>(),
      );
      return resource;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new StoreError({
        store: this.name,
        recordKey: failureId,
        message: `point read failed: ${errorText(error)}`,
        cause: error,
      });
    }
  }

  /**
   * True when the stored record is exactly this one. Asked only after an attempt that got no
   * answer was sent again and refused: the first attempt may have been the one that wrote it.
   */
  async #holds(record: FailureRecord): Promise<boolean> {
    const doc = await this.#read(record.failure_id).catch(() => undefined);
    return doc !== undefined && isDeepStrictEqual(doc.record, record);
  }
}
