import path from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapture } from '../../src/capture/run-capture.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';
import { cosmosConfigFromEnv } from '../../src/store/cosmos-config.ts';
import { clientOptions, CosmosStore } from '../../src/store/cosmos-store.ts';
import { cosmosEnv, startCosmos } from '../helpers/cosmos-server.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { ROOT } from '../helpers/run-cli.ts';

let cosmos: Awaited<ReturnType<typeof startCosmos>>;
let model: ScriptedModelServer;
beforeAll(async () => {
  cosmos = await startCosmos();
  model = await ScriptedModelServer.start();
});
afterAll(async () => {
  await cosmos.close();
  await model.close();
});

describe('cosmos store through a faulting proxy', () => {
  it('a capture of 500+ traces ends with every key point-readable exactly once', async () => {
    const proxy = await startFaultProxy(cosmos.endpoint, {
      throttle: 0.08,
      unavailable: 0.03,
      resetBefore: 0.01,
      resetAfter: 0.01,
      slow: 0.03,
    });
    const env = cosmosEnv(proxy.endpoint);
    const store = await CosmosStore.open(cosmosConfigFromEnv(env));
    proxy.state.enabled = true;
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    // Scenarios that wait on purpose would only slow the test; the store sees the same records.
    const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      // MCP subjects start two processes a run: a load test of the store leaves them out.
      ({ scenario }) => !waitsOnPurpose(scenario) && !scenario.tags.includes('mcp'),
    );
    const repeat = Math.ceil(500 / scenarios.length);
    const { results, summary } = await runCapture({ scenarios, subjects, store, model, concurrency: 16, repeat });
    await store.close();
    proxy.state.enabled = false;

    expect(summary.runs).toBeGreaterThanOrEqual(500);
    expect(results.filter((r) => r.lab_error).map((r) => r.lab_error)).toEqual([]);
    expect(summary).toMatchObject({ stored: summary.runs, retrieved: summary.runs, exit_code: 0 });
    // Every fault kind was really injected.
    for (const kind of ['throttle', 'unavailable', 'resetBefore', 'resetAfter', 'slow'] as const)
      expect(proxy.counts[kind], kind).toBeGreaterThan(0);

    // Read back past the proxy: every key exactly once.
    const client = new CosmosClient(
      await clientOptions(cosmosConfigFromEnv({ ...env, COSMOS_ENDPOINT: cosmos.endpoint })),
    );
    const container = client.database(env.COSMOS_DATABASE!).container(env.COSMOS_CONTAINER_TRACES!);
    const keys = results.map((r) => r.failure_id ?? r.trace_id!);
    expect(new Set(keys).size).toBe(keys.length);
    const { resources: ids } = await container.items
      .query<{ id: string }>("SELECT c.id FROM c WHERE c.record_type = 'trace_record'")
      .fetchAll();
    expect(ids.map((d) => d.id).sort()).toEqual([...keys].sort());
    // The failure, recovery and fallback records derived from the runs went through the same faults.
    const related = results.reduce(
      (n, r) => n + r.related.failure_traces + r.related.recovery_traces + r.related.fallback_records,
      0,
    );
    const { resources: all } = await container.items.query<{ id: string }>('SELECT c.id FROM c').fetchAll();
    expect(all.length).toBe(keys.length + related);
    for (const key of keys) {
      const { resource } = await container.item(key, key).read();
      expect(resource?.id, key).toBe(key);
    }
    client.dispose();
    await proxy.close();
  }, 180_000);
});
