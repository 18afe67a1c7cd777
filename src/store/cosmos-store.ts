import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import pLimit from 'p-limit';
import {
  BulkOperationType,
  type Container,
  CosmosClient,
  type CosmosClientOptions,
  type JSONObject,
  type OperationInput,
  type SqlParameter,
} from '@azure/cosmos';
import { type LabRecord, recordMeta, type RecordType } from '../contracts/lab-record.ts';
import { ConfigError } from '../errors/config-error.ts';
import { StoreError } from '../errors/store-error.ts';
import { type RetryPolicy, retrying } from '../internal/retry.ts';
import { errorText } from '../internal/to-error.ts';
import type { CosmosConfig } from './cosmos-config.ts';
import { readRecord } from './read-record.ts';
import {
  DEFAULT_PAGE_SIZE,
  type PutOutcome,
  type QueryResult,
  type TracePage,
  type SkippedRecord,
  type TraceQuery,
  type TraceStore,
} from './trace-store.ts';

/**
 * The document a record is stored as: the partition key and query fields beside the record,
 * which is kept whole and untouched (Cosmos adds its _rid, _etag, _ts at the top level).
 * failure_id is the partition key and equals id: the record's store key (storeKey). failure_ids
 * lists the failure ids the record names, for lookups by failure id; kind, subject_id and
 * scenario_id and build_id are a run's and null for the other record types.
 */
export interface TraceDocument {
  id: string;
  failure_id: string;
  record_type: RecordType;
  kind: string | null;
  subject_id: string | null;
  scenario_id: string | null;
  build_id: string | null;
  started_at: string;
  failure_ids: string[];
  record: LabRecord;
}

/** Status codes worth another try: throttled, timed out, unavailable, retry-with, or no answer at all. */
const TRANSIENT = new Set([408, 429, 449, 500, 503]);
/** Our own bound on retries of a transient failure, beyond the SDK's 429 handling. */
const MAX_ATTEMPTS = 6;
/**
 * A batch this small is written as concurrent point upserts. executeBulkOperations sleeps a second
 * (the SDK's intervalForPartialBatchInMs) before it sends a partial batch, on every call, so a
 * small capture would wait that second at its end; the request units are the same either way.
 */
const POINT_WRITES_UP_TO = 100;
const POINT_WRITE_CONCURRENCY = 16;
const BASE_BACKOFF_MS = 50;

/**
 * Azure Cosmos DB (or the emulator, or @vercel/cosmosdb-server): one document per record,
 * partitioned by /failure_id so get(failure_id) is one point read. Writes are idempotent upserts;
 * putMany goes through executeBulkOperations. Database and container are created on first use.
 */
export class CosmosStore implements TraceStore {
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
  ): Promise<CosmosStore> {
    const client = new CosmosClient(await clientOptions(config));
    try {
      // Queries order by started_at then id across partitions.
      const container = await openContainer(client, config, '/started_at');
      return new CosmosStore(client, container, onSkip);
    } catch (error) {
      client.dispose();
      throw new StoreError({
        store: 'cosmos',
        message: `cannot open database "${config.database}", container "${config.container}" at ${config.endpoint}: ${errorText(error)}`,
        cause: error,
      });
    }
  }

  async put(record: LabRecord): Promise<void> {
    this.#open();
    const key = recordMeta(record).key;
    readRecord(record, key, 'write');
    try {
      await retryingCosmos(() => this.#container.items.upsert(toDocument(record)));
    } catch (error) {
      throw new StoreError({
        store: this.name,
        recordKey: key,
        message: `upsert failed: ${errorText(error)}`,
        cause: error,
      });
    }
  }

  /** Bulk upserts; operations that fail transiently are sent again, up to a bound. */
  async putMany(records: readonly LabRecord[]): Promise<PutOutcome[]> {
    this.#open();
    const outcomes = new Map<string, PutOutcome>();
    let pending: TraceDocument[] = [];
    for (const record of records) {
      const key = recordMeta(record).key;
      try {
        readRecord(record, key, 'write');
        pending.push(toDocument(record));
      } catch (error) {
        outcomes.set(key, { key, stored: false, error: errorText(error) });
      }
    }
    if (pending.length <= POINT_WRITES_UP_TO) {
      const limit = pLimit(POINT_WRITE_CONCURRENCY);
      await Promise.all(
        pending.map((doc) =>
          limit(async () => {
            try {
              await retryingCosmos(() => this.#container.items.upsert(doc));
              outcomes.set(doc.id, { key: doc.id, stored: true });
            } catch (error) {
              outcomes.set(doc.id, {
                key: doc.id,
                stored: false,
                error: `upsert failed with ${statusOf(error) ?? 'no answer'}: ${errorText(error)}`,
              });
            }
          }),
        ),
      );
      return records.map((r) => outcomes.get(recordMeta(r).key)!);
    }
    // Each attempt sends what is still pending; documents that failed for good are settled at once.
    const attempt = async () => {
      const operations: OperationInput[] = pending.map((doc) => ({
        operationType: BulkOperationType.Upsert,
        resourceBody: doc as unknown as JSONObject,
        partitionKey: doc.failure_id,
      }));
      let results;
      try {
        results = await this.#container.items.executeBulkOperations(operations);
      } catch (error) {
        results = pending.map(() => ({ error }));
      }
      const retry: TraceDocument[] = [];
      let waitMs: number | undefined;
      results.forEach((result, i) => {
        const doc = pending[i]!;
        const status =
          result && 'response' in result && result.response ? result.response.statusCode : statusOf(result?.error);
        if (status !== undefined && status >= 200 && status < 300)
          return void outcomes.set(doc.id, { key: doc.id, stored: true });
        const error = `upsert failed with ${status ?? 'no answer'}: ${operationError(result?.error)}`;
        if (status === undefined || TRANSIENT.has(status)) {
          retry.push(doc);
          outcomes.set(doc.id, { key: doc.id, stored: false, error });
          waitMs = Math.max(waitMs ?? 0, retryAfterOf(result?.error) ?? 0);
        } else outcomes.set(doc.id, { key: doc.id, stored: false, error });
      });
      pending = retry;
      if (pending.length > 0)
        throw Object.assign(new Error(`${pending.length} documents failed transiently`), { retryAfterInMs: waitMs });
    };
    // Past the last attempt, what is still pending keeps the outcome of its last failure.
    if (pending.length > 0) await retrying(attempt, { ...COSMOS_RETRY, retryable: () => true }).catch(() => {});
    return records.map((r) => outcomes.get(recordMeta(r).key)!);
  }

  async get(key: string): Promise<LabRecord | undefined> {
    this.#open();
    let resource: TraceDocument | undefined;
    try {
      ({ resource } = await retryingCosmos(() => this.#container.item(key, key).read<TraceDocument>()));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new StoreError({
        store: this.name,
        recordKey: key,
        message: `point read failed: ${errorText(error)}`,
        cause: error,
      });
    }
    if (resource === undefined) return undefined;
    return readRecord(resource.record, key);
  }

  async query<T extends RecordType | 'all' | undefined = undefined>(
    query: TraceQuery & { record_type?: T } = {},
  ): Promise<TracePage<QueryResult<T>>> {
    this.#open();
    // The conditions are fixed text; every value goes in as a parameter.
    const where: string[] = [];
    const parameters: SqlParameter[] = [];
    const bind = (condition: string, name: string, value: string) => {
      where.push(condition);
      parameters.push({ name, value });
    };
    const type = query.record_type ?? 'trace_record';
    if (type !== 'all') bind('c.record_type = @type', '@type', type);
    if (query.failure_id !== undefined) bind('ARRAY_CONTAINS(c.failure_ids, @failure)', '@failure', query.failure_id);
    if (query.kind !== undefined) bind('c.kind = @kind', '@kind', query.kind);
    if (query.subject_id !== undefined) bind('c.subject_id = @subject', '@subject', query.subject_id);
    if (query.scenario_id !== undefined) bind('c.scenario_id = @scenario', '@scenario', query.scenario_id);
    if (query.build_id !== undefined) bind('c.build_id = @build', '@build', query.build_id);
    if (query.since !== undefined) bind('c.started_at >= @since', '@since', query.since);
    if (query.until !== undefined) bind('c.started_at < @until', '@until', query.until);
    const iterator = this.#container.items.query<{ id: string; record: unknown }>(
      {
        query: `SELECT c.id, c.record FROM c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.started_at ASC, c.id ASC`,
        parameters,
      },
      { maxItemCount: query.limit ?? DEFAULT_PAGE_SIZE, continuationToken: query.cursor ?? undefined },
    );
    try {
      const page = await retryingCosmos(() => iterator.fetchNext());
      // A document that breaks its contract is named and skipped; the rest of the page goes on (docs/stores.md).
      const records: QueryResult<T>[] = [];
      const skipped: SkippedRecord[] = [];
      for (const doc of page.resources) {
        try {
          records.push(readRecord(doc.record, doc.id) as QueryResult<T>);
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
      if (error instanceof Error && error.name === 'ContractViolationError') throw error;
      throw new StoreError({ store: this.name, message: `query failed: ${errorText(error)}`, cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.dispose();
  }

  #open(): void {
    if (this.#closed) throw new StoreError({ store: this.name, message: 'the store is closed' });
  }
}

/** The envelope a record is stored in. */
export function toDocument(record: LabRecord): TraceDocument {
  const { key, record_type, kind, subject_id, scenario_id, build_id, started_at, failure_ids } = recordMeta(record);
  return {
    id: key,
    failure_id: key,
    record_type,
    kind,
    subject_id,
    scenario_id,
    build_id,
    started_at,
    failure_ids,
    record,
  };
}

/** CosmosClient options: key or Entra ID, a CA for this client only, discovery and 429 bounds. */
export async function clientOptions(config: CosmosConfig): Promise<CosmosClientOptions> {
  let agent: Agent | undefined;
  if (config.caCertPath) {
    let ca: Buffer;
    try {
      ca = await readFile(config.caCertPath);
    } catch (error) {
      throw new ConfigError({ message: `COSMOS_CA_CERT: cannot read ${config.caCertPath} (${errorText(error)})` });
    }
    // Trusted by this client alone: TLS verification stays on for every other connection.
    agent = new Agent({ ca, keepAlive: true });
  }
  const auth: Pick<CosmosClientOptions, 'key' | 'aadCredentials'> = config.key
    ? { key: config.key }
    : { aadCredentials: new (await import('@azure/identity')).DefaultAzureCredential() };
  return {
    endpoint: config.endpoint,
    ...auth,
    ...(agent ? { agent } : {}),
    connectionPolicy: {
      enableEndpointDiscovery: config.endpointDiscovery,
      retryOptions: {
        maxRetryAttemptCount: config.maxRetries,
        fixedRetryIntervalInMilliseconds: 0,
        maxWaitTimeInSeconds: config.maxWaitSeconds,
      },
    },
  };
}

/** Transient failures (past the SDK's own 429 retries) are tried again, with backoff and the server's retry-after. */
const COSMOS_RETRY: Omit<RetryPolicy, 'retryable'> = {
  attempts: MAX_ATTEMPTS,
  baseMs: BASE_BACKOFF_MS,
  maxMs: 5_000,
  waitOf: (error) => retryAfterOf(error),
};

/**
 * The database and the container, created when missing (partitioned by /failure_id, with the
 * composite index on `orderPath` then id that the queries' order needs). Opening goes through the
 * same retry as every other call, so a 503 at start is retried (README, "cosmos"); a 409 means
 * another process created one of them meanwhile, and the next attempt reads it.
 */
export async function openContainer(
  client: CosmosClient,
  config: Pick<CosmosConfig, 'database' | 'container'>,
  orderPath: string,
): Promise<Container> {
  const opening = <T>(call: () => Promise<T>) =>
    retrying(call, { ...COSMOS_RETRY, retryable: (error) => isTransient(error) || statusOf(error) === 409 });
  const { database } = await opening(() => client.databases.createIfNotExists({ id: config.database }));
  const { container } = await opening(() =>
    database.containers.createIfNotExists({
      id: config.container,
      partitionKey: { paths: ['/failure_id'] },
      indexingPolicy: {
        compositeIndexes: [
          [
            { path: orderPath, order: 'ascending' },
            { path: '/id', order: 'ascending' },
          ],
        ],
      },
    }),
  );
  return container;
}

/** Runs a Cosmos call again on transient failures. */
export function retryingCosmos<T>(call: () => Promise<T>): Promise<T> {
  return retrying(call, { ...COSMOS_RETRY, retryable: isTransient });
}

/** Throttled, timed out, unavailable, retry-with, a server error, or no answer at all. */
function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || TRANSIENT.has(status);
}

/** The HTTP status of a Cosmos error, undefined when there was no answer. */
export function statusOf(error: unknown): number | undefined {
  const code =
    (error as { code?: unknown; statusCode?: unknown } | null)?.code ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function retryAfterOf(error: unknown): number | undefined {
  const ms = (error as { retryAfterInMs?: unknown } | null)?.retryAfterInMs;
  return typeof ms === 'number' ? ms : undefined;
}

/** A bulk operation's error in one line: the SDK hands back a plain object with a message and diagnostics, not an Error. */
function operationError(error: unknown): string {
  if (error === undefined || error === null) return 'no error given';
  if (error instanceof Error) return errorText(error);
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? (message.split('\n', 1)[0] ?? '') : errorText(error);
}
