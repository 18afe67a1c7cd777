import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordKey } from '../../src/contracts/trace-record.ts';
import { ConfigError } from '../../src/errors/config-error.ts';
import { ContractViolationError } from '../../src/errors/contract-violation-error.ts';
import { cosmosConfigFromEnv } from '../../src/store/cosmos-config.ts';
import { clientOptions, CosmosStore, toDocument } from '../../src/store/cosmos-store.ts';
import { cosmosEnv, startCosmos } from '../helpers/cosmos-server.ts';
import { makeRecord } from '../helpers/records.ts';
import { queryAll, traceStoreContract } from './trace-store-contract.ts';

let cosmos: Awaited<ReturnType<typeof startCosmos>>;
beforeAll(async () => {
  cosmos = await startCosmos();
});
afterAll(() => cosmos.close());

describe('CosmosStore against @vercel/cosmosdb-server', () => {
  traceStoreContract(async () => CosmosStore.open(cosmosConfigFromEnv(cosmosEnv(cosmos.endpoint))));

  it('stores failure_id as partition key and id, with the record whole inside, and creates what is missing', async () => {
    const env = cosmosEnv(cosmos.endpoint);
    const store = await CosmosStore.open(cosmosConfigFromEnv(env));
    const record = makeRecord({ kind: 'hallucination_flag' });
    const passing = makeRecord();
    expect(await store.putMany([record, passing])).toEqual([
      { key: record.failure_id, stored: true },
      { key: passing.trace_id, stored: true },
    ]);
    await store.close();
    // Read with a plain client: the layout analyzers see.
    const client = new CosmosClient(await clientOptions(cosmosConfigFromEnv(env)));
    const container = client.database('lab').container(env.COSMOS_CONTAINER_TRACES!);
    const { resource: definition } = await container.read();
    expect(definition?.partitionKey?.paths).toEqual(['/failure_id']);
    // Queries order by started_at, then id, across partitions: Cosmos needs this composite index for it.
    expect(definition?.indexingPolicy?.compositeIndexes).toEqual([
      [
        { path: '/started_at', order: 'ascending' },
        { path: '/id', order: 'ascending' },
      ],
    ]);
    const { resource } = await container.item(record.failure_id!, record.failure_id!).read();
    expect(resource).toMatchObject({
      id: record.failure_id,
      failure_id: record.failure_id,
      kind: 'hallucination_flag',
      record,
    });
    const { resource: pass } = await container.item(passing.trace_id, passing.trace_id).read();
    expect(pass).toMatchObject({
      id: passing.trace_id,
      failure_id: passing.trace_id,
      kind: 'pass',
      record: { failure_id: null },
    });
    client.dispose();
  });

  it('refuses on read a stored document whose record breaks the contract', async () => {
    const env = cosmosEnv(cosmos.endpoint);
    const store = await CosmosStore.open(cosmosConfigFromEnv(env));
    const record = makeRecord({ kind: 'exception' });
    const client = new CosmosClient(await clientOptions(cosmosConfigFromEnv(env)));
    await client
      .database('lab')
      .container(env.COSMOS_CONTAINER_TRACES!)
      .items.upsert({ ...toDocument(record), record: { ...record, schema_version: 99 } });
    await expect(store.get(recordKey(record))).rejects.toBeInstanceOf(ContractViolationError);
    client.dispose();
    await store.close();
  });

  it('a query skips a document whose record breaks the contract, names it, and returns the rest', async () => {
    const env = { ...cosmosEnv(cosmos.endpoint), COSMOS_CONTAINER_TRACES: 'traces-skip' };
    const named: string[] = [];
    const store = await CosmosStore.open(cosmosConfigFromEnv(env), { onSkip: (s) => named.push(s.key) });
    const good = [makeRecord({ kind: 'timeout', buildId: 'skip' }), makeRecord({ buildId: 'skip' })];
    await store.putMany(good);
    const bad = makeRecord({ kind: 'exception', buildId: 'skip' });
    const client = new CosmosClient(await clientOptions(cosmosConfigFromEnv(env)));
    await client
      .database('lab')
      .container('traces-skip')
      .items.upsert({ ...toDocument(bad), record: { ...bad, schema_version: 99 } });
    const page = await store.query({ build_id: 'skip' });
    expect(page.records.map(recordKey).sort()).toEqual(good.map(recordKey).sort());
    expect(page.skipped).toEqual([
      {
        key: recordKey(bad),
        where: `traces-skip/${recordKey(bad)}`,
        reason: expect.stringContaining('schema_version 99'),
      },
    ]);
    expect(named).toEqual([recordKey(bad)]);
    client.dispose();
    await store.close();
  });

  it('puts a small batch as point upserts and a large one in bulk, with an outcome per record either way', async () => {
    const store = await CosmosStore.open(cosmosConfigFromEnv(cosmosEnv(cosmos.endpoint)));
    for (const size of [3, 150]) {
      const records = Array.from({ length: size }, () => makeRecord({ kind: 'timeout' }));
      const broken = { ...makeRecord({ kind: 'exception' }), schema_version: 99 } as unknown as ReturnType<
        typeof makeRecord
      >;
      const outcomes = await store.putMany([...records, broken]);
      expect(outcomes.slice(0, size), `batch of ${size}`).toEqual(
        records.map((r) => ({ key: recordKey(r), stored: true })),
      );
      expect(outcomes[size], `batch of ${size}`).toMatchObject({
        key: recordKey(broken),
        stored: false,
        error: expect.any(String),
      });
      for (const r of [records[0]!, records.at(-1)!]) expect(await store.get(recordKey(r))).toEqual(r);
      expect(await store.get(recordKey(broken))).toBeUndefined();
    }
    await store.close();
  });

  it('pages queries with continuation tokens', async () => {
    const store = await CosmosStore.open(cosmosConfigFromEnv(cosmosEnv(cosmos.endpoint)));
    await store.putMany(
      Array.from({ length: 30 }, (_, i) =>
        makeRecord({ kind: 'timeout', startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }),
      ),
    );
    const first = await store.query({ limit: 8 });
    expect(first.records).toHaveLength(8);
    expect(first.cursor).toEqual(expect.any(String));
    expect(await queryAll(store, { limit: 8 })).toHaveLength(30);
    await store.close();
  });
});

describe('cosmos configuration', () => {
  it('names every missing variable', () => {
    expect(() => cosmosConfigFromEnv({})).toThrow(ConfigError);
    expect(() => cosmosConfigFromEnv({ COSMOS_ENDPOINT: 'https://x.documents.azure.com' })).toThrow(
      /needs COSMOS_DATABASE, COSMOS_CONTAINER_TRACES/,
    );
  });

  it('turns endpoint discovery off for loopback and keeps it on elsewhere, unless told', () => {
    const base = { COSMOS_DATABASE: 'd', COSMOS_CONTAINER_TRACES: 'c' };
    expect(cosmosConfigFromEnv({ ...base, COSMOS_ENDPOINT: 'https://127.0.0.1:8081' }).endpointDiscovery).toBe(false);
    expect(
      cosmosConfigFromEnv({ ...base, COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/' }).endpointDiscovery,
    ).toBe(true);
    expect(
      cosmosConfigFromEnv({ ...base, COSMOS_ENDPOINT: 'https://localhost:8081', COSMOS_ENDPOINT_DISCOVERY: 'true' })
        .endpointDiscovery,
    ).toBe(true);
    expect(() =>
      cosmosConfigFromEnv({ ...base, COSMOS_ENDPOINT: 'https://localhost:8081', COSMOS_MAX_RETRIES: 'lots' }),
    ).toThrow(/COSMOS_MAX_RETRIES must be a whole number/);
  });

  it('uses Microsoft Entra ID (DefaultAzureCredential) when there is no COSMOS_KEY', async () => {
    const options = await clientOptions(
      cosmosConfigFromEnv({
        COSMOS_ENDPOINT: 'https://acct.documents.azure.com',
        COSMOS_DATABASE: 'd',
        COSMOS_CONTAINER_TRACES: 'c',
      }),
    );
    expect(options.key).toBeUndefined();
    expect(options.aadCredentials?.constructor.name).toBe('DefaultAzureCredential');
    const keyed = await clientOptions(
      cosmosConfigFromEnv({
        COSMOS_ENDPOINT: 'https://acct.documents.azure.com',
        COSMOS_KEY: 'k',
        COSMOS_DATABASE: 'd',
        COSMOS_CONTAINER_TRACES: 'c',
      }),
    );
    expect(keyed.key).toBe('k');
    expect(keyed.aadCredentials).toBeUndefined();
    expect(keyed.connectionPolicy?.retryOptions).toEqual({
      maxRetryAttemptCount: 9,
      fixedRetryIntervalInMilliseconds: 0,
      maxWaitTimeInSeconds: 30,
    });
  });
});
