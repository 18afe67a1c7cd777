import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/config-error.ts';
import { ConflictError } from '../../src/errors/conflict-error.ts';
import { ContractViolationError } from '../../src/errors/contract-violation-error.ts';
import { CosmosLedger, toFailureDocument } from '../../src/ledger-store/cosmos-ledger.ts';
import { cosmosLedgerConfigFromEnv } from '../../src/ledger-store/cosmos-ledger-config.ts';
import { clientOptions } from '../../src/store/cosmos-store.ts';
import { cosmosEnv, startCosmos } from '../helpers/cosmos-server.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';
import { runReplace, runUpdaters } from '../helpers/ledger-processes.ts';
import { failureLedgerContract, nextRevision, queryAllFailures } from './failure-ledger-contract.ts';

let cosmos: Awaited<ReturnType<typeof startCosmos>>;
beforeAll(async () => {
  cosmos = await startCosmos();
});
afterAll(() => cosmos.close());

/** Environment for the ledger against an endpoint, with a failures container of its own. */
const ledgerEnv = (endpoint = cosmos.endpoint) =>
  cosmosEnv(endpoint, { COSMOS_CONTAINER_FAILURES: `failures-${randomUUID().slice(0, 8)}` });
const openLedger = (env: NodeJS.ProcessEnv) => CosmosLedger.open(cosmosLedgerConfigFromEnv(env));

/** A plain client on the server (past any proxy), to see and change what analyzers see. */
async function containerOf(env: NodeJS.ProcessEnv) {
  const client = new CosmosClient(
    await clientOptions(cosmosLedgerConfigFromEnv({ ...env, COSMOS_ENDPOINT: cosmos.endpoint })),
  );
  return { client, container: client.database(env.COSMOS_DATABASE!).container(env.COSMOS_CONTAINER_FAILURES!) };
}

/** A loopback proxy to the server that runs `before` (awaited) ahead of forwarding each request it accepts. */
async function startInterceptor(before: (req: IncomingMessage) => Promise<void> | void) {
  const target = new URL(cosmos.endpoint);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    await before(req);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(Buffer.concat(chunks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** Spawning Node processes that load the lab takes seconds on two busy cores: a bound, never a race. */
const PROCESS_TEST_MS = 120_000;

describe('CosmosLedger against @vercel/cosmosdb-server', () => {
  failureLedgerContract(() => openLedger(ledgerEnv()));

  it('stores an envelope with failure_id as partition key and id, the record whole inside, and creates what is missing', async () => {
    const env = ledgerEnv();
    const ledger = await openLedger(env);
    const record = makeFailureRecord({ timestamp: '2026-01-01T00:00:00Z', status: 'INVESTIGATING' });
    await ledger.create(record);
    await ledger.close();
    const { client, container } = await containerOf(env);
    const { resource: definition } = await container.read();
    expect(definition?.partitionKey?.paths).toEqual(['/failure_id']);
    expect(definition?.indexingPolicy?.compositeIndexes).toEqual([
      [
        { path: '/timestamp', order: 'ascending' },
        { path: '/id', order: 'ascending' },
      ],
    ]);
    const { resource } = await container.item(record.failure_id, record.failure_id).read();
    expect(resource).toMatchObject({
      id: record.failure_id,
      failure_id: record.failure_id,
      status: 'INVESTIGATING',
      category: record.category,
      subcategory: record.subcategory,
      severity: record.severity,
      fingerprint: record.lab.fingerprint,
      build_id: record.build_id,
      timestamp: '2026-01-01T00:00:00.000Z', // Normalized, so it orders as text; the record keeps its own.
      sla_target: record.metadata.sla_resolution_target,
      revision: 1,
      record,
    });
    client.dispose();
  });

  it('refuses on read a stored document whose record breaks the contract, naming it', async () => {
    const env = ledgerEnv();
    const ledger = await openLedger(env);
    const record = makeFailureRecord();
    const { client, container } = await containerOf(env);
    await container.items.create({ ...toFailureDocument(record), record: { ...record, analyst_note: 'x' } });
    const refused = await ledger.get(record.failure_id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ContractViolationError);
    expect((refused as Error).message).toContain(
      `record ${record.failure_id}: stored record breaks the FailureRecord contract`,
    );
    // A query goes on past it: the bad record is skipped and named, never silently dropped (docs/stores.md).
    const page = await ledger.query();
    expect(page.records).toEqual([]);
    expect(page.skipped?.map((s) => s.key)).toEqual([record.failure_id]);
    client.dispose();
    await ledger.close();
  });

  it('loses with ConflictError when another write lands between its read and its conditional replace (412)', async () => {
    const env = ledgerEnv();
    const setup = await openLedger(env);
    const record = makeFailureRecord();
    await setup.create(record);
    await setup.close();
    const { client, container } = await containerOf(env);
    const other = nextRevision(record, { status: 'RESOLVED' });
    // Just before the ledger's replace (a PUT) reaches the server, another writer replaces the record.
    const proxy = await startInterceptor(async (req) => {
      if (req.method === 'PUT')
        await container.item(record.failure_id, record.failure_id).replace(toFailureDocument(other));
    });
    const ledger = await openLedger({ ...env, COSMOS_ENDPOINT: proxy.endpoint });
    const lost = await ledger.replace(nextRevision(record, { status: 'INVESTIGATING' }), 1).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ConflictError);
    expect((lost as ConflictError).recordKey).toBe(record.failure_id);
    expect(await ledger.get(record.failure_id)).toEqual(other);
    await ledger.close();
    await proxy.close();
    client.dispose();
  });

  it('succeeds when a write whose answer was lost is sent again and finds its own record (no false conflict)', async () => {
    const env = ledgerEnv();
    let resets = 0;
    // The first create (POST of a document) and the first replace (PUT) are applied, but their answers are lost.
    const proxy = await startFaultProxy(
      cosmos.endpoint,
      { throttle: 0, unavailable: 0, resetBefore: 0, resetAfter: 1, slow: 0 },
      {
        only: (req) =>
          /\/docs/.test(req.url ?? '') &&
          (req.method === 'PUT' || req.method === 'POST') &&
          !req.headers['x-ms-documentdb-isquery'] &&
          resets++ < 2,
      },
    );
    const ledger = await openLedger({ ...env, COSMOS_ENDPOINT: proxy.endpoint });
    proxy.state.enabled = true;
    const record = makeFailureRecord();
    await ledger.create(record);
    const next = nextRevision(record, { status: 'INVESTIGATING' });
    await ledger.replace(next, 1);
    expect(proxy.counts.resetAfter).toBe(2);
    expect(await ledger.get(record.failure_id)).toEqual(next);
    await ledger.close();
    await proxy.close();
  });

  it(
    'a stale replace from one process loses to another process and gets ConflictError',
    async () => {
      const env = ledgerEnv();
      const ledger = await openLedger(env);
      const record = makeFailureRecord();
      await ledger.create(record);
      const readHere = (await ledger.get(record.failure_id))!;
      const other = await runReplace({ backend: 'cosmos', env }, record.failure_id, 1, 'from-child');
      expect(other, other.stderr).toMatchObject({ code: 0, stdout: 'ok\n' });
      await expect(ledger.replace(nextRevision(readHere, { status: 'RESOLVED' }), 1)).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect(await ledger.get(record.failure_id)).toMatchObject({
        status: 'OPEN',
        lab: { revision: 2 },
        metadata: { tags: ['from-child'] },
      });
      await ledger.close();
    },
    PROCESS_TEST_MS,
  );

  it(
    'lands every update of 4 processes updating one record at once through updateFailure',
    async () => {
      const env = ledgerEnv();
      const ledger = await openLedger(env);
      const record = makeFailureRecord();
      await ledger.create(record);
      const [processes, updates] = [4, 10];
      // Enough rounds that no update can run out: each lost round means one of the others' updates landed.
      const runs = await runUpdaters({ backend: 'cosmos', env }, record.failure_id, {
        processes,
        updates,
        attempts: (processes - 1) * updates + 1,
      });
      for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
      const stored = (await ledger.get(record.failure_id))!;
      const expected = Array.from({ length: processes }, (_, p) =>
        Array.from({ length: updates }, (_, i) => `p${p}-${i}`),
      ).flat();
      expect([...stored.metadata.tags].sort()).toEqual(expected.sort());
      expect(stored.lab.revision).toBe(1 + processes * updates);
      const conflicts = runs.reduce(
        (n, run) => n + (JSON.parse(run.stdout.split('\n').at(-2)!) as { conflicts: number }).conflicts,
        0,
      );
      console.log(
        `cosmos: ${processes * updates} updates from ${processes} processes, ${conflicts} rounds lost to compare-and-swap`,
      );
      expect((await queryAllFailures(ledger)).map((r) => r.lab.revision)).toEqual([1 + processes * updates]);
      await ledger.close();
    },
    PROCESS_TEST_MS,
  );
});

describe('cosmos ledger configuration', () => {
  it('needs only the endpoint and the database; the container defaults to "failures"', () => {
    expect(() => cosmosLedgerConfigFromEnv({})).toThrow(ConfigError);
    expect(() => cosmosLedgerConfigFromEnv({ COSMOS_ENDPOINT: 'https://x.documents.azure.com' })).toThrow(
      /the cosmos failure ledger needs COSMOS_DATABASE/,
    );
    const config = cosmosLedgerConfigFromEnv({
      COSMOS_ENDPOINT: 'https://x.documents.azure.com',
      COSMOS_DATABASE: 'd',
      COSMOS_CONTAINER_TRACES: 'traces',
    });
    expect(config).toMatchObject({ database: 'd', container: 'failures', endpointDiscovery: true });
    expect(
      cosmosLedgerConfigFromEnv({
        COSMOS_ENDPOINT: 'http://127.0.0.1:8081',
        COSMOS_DATABASE: 'd',
        COSMOS_CONTAINER_FAILURES: 'f',
      }),
    ).toMatchObject({ container: 'f', endpointDiscovery: false });
    expect(() => cosmosLedgerConfigFromEnv({ COSMOS_ENDPOINT: 'nope', COSMOS_DATABASE: 'd' })).toThrow(
      /COSMOS_ENDPOINT "nope" is not a URL/,
    );
  });
});
