import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosLedger } from '../../src/ledger-store/cosmos-ledger.ts';
import { cosmosLedgerConfigFromEnv } from '../../src/ledger-store/cosmos-ledger-config.ts';
import { cosmosConfigFromEnv } from '../../src/store/cosmos-config.ts';
import { CosmosStore } from '../../src/store/cosmos-store.ts';
import { cosmosEnv, startCosmos } from '../helpers/cosmos-server.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';
import { makeRecord } from '../helpers/records.ts';
import { runMain } from '../helpers/run-cli.ts';

let cosmos: Awaited<ReturnType<typeof startCosmos>>;
beforeAll(async () => {
  cosmos = await startCosmos();
});
afterAll(() => cosmos.close());

/** A proxy that answers 503 to the first `n` requests (those of opening: the database, then the container), then forwards. */
async function unavailableAtFirst(n: number) {
  let seen = 0;
  const proxy = await startFaultProxy(
    cosmos.endpoint,
    { throttle: 0, unavailable: 1, resetBefore: 0, resetAfter: 0, slow: 0 },
    { only: () => seen++ < n },
  );
  proxy.state.enabled = true;
  return proxy;
}

describe('opening Cosmos is retried (README, "cosmos": 503s are retried)', () => {
  it('the trace store and the failure ledger open through 503s on their first requests, creating what is missing', async () => {
    for (const n of [1, 3]) {
      const proxy = await unavailableAtFirst(n);
      const env = cosmosEnv(proxy.endpoint, {
        COSMOS_DATABASE: `lab-${randomUUID().slice(0, 8)}`,
        COSMOS_CONTAINER_FAILURES: `failures-${randomUUID().slice(0, 8)}`,
      });
      try {
        const store = await CosmosStore.open(cosmosConfigFromEnv(env));
        expect(proxy.counts.unavailable).toBe(n);
        const record = makeRecord();
        await store.put(record);
        expect(await store.get(record.failure_id ?? record.trace_id)).toEqual(record);
        await store.close();

        // The ledger's container is missing too: created through a fresh run of 503s.
        const again = await unavailableAtFirst(n);
        try {
          const ledger = await CosmosLedger.open(
            cosmosLedgerConfigFromEnv({ ...env, COSMOS_ENDPOINT: again.endpoint }),
          );
          expect(again.counts.unavailable).toBe(n);
          const failure = makeFailureRecord();
          await ledger.create(failure);
          expect(await ledger.get(failure.failure_id)).toEqual(failure);
          await ledger.close();
        } finally {
          await again.close();
        }
      } finally {
        await proxy.close();
      }
    }
  });

  it('a command that opens the ledger through a 503 at start exits 0', async () => {
    const proxy = await unavailableAtFirst(2);
    try {
      const env = cosmosEnv(proxy.endpoint, { COSMOS_CONTAINER_FAILURES: `failures-${randomUUID().slice(0, 8)}` });
      const run = await runMain(['failures', 'list', '--store', 'cosmos', '--json'], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(proxy.counts.unavailable).toBe(2);
    } finally {
      await proxy.close();
    }
  });
});
