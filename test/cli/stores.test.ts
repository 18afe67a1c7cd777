import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHttpsServer as createCosmosHttpsServer } from '@vercel/cosmosdb-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosmosEnv, startCosmos } from '../helpers/cosmos-server.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { runCli, runMain } from '../helpers/run-cli.ts';
import { EVERY_ENDING, inProcessScenarios, scenarioFolder } from '../helpers/in-process-scenarios.ts';
import { committedSchemaValidator } from '../helpers/schema-validator.ts';

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const tempDir = (prefix: string) => mkdtemp(path.join(tmpdir(), prefix));

let cosmos: Awaited<ReturnType<typeof startCosmos>>;
beforeAll(async () => {
  cosmos = await startCosmos();
});
afterAll(() => cosmos.close());

/** Runs among exported records (failure and recovery traces have trace_type, fallbacks record_type). */
const runsOf = (records: any[]) => records.filter((r) => r.trace_type === undefined && r.record_type === undefined);
/** How many derived records capture said it stored beside its runs. */
const relatedOf = (runs: any[]) =>
  runs.reduce((n, r) => n + r.related.failure_traces + r.related.recovery_traces + r.related.fallback_records, 0);

describe('capture --store files', () => {
  it('stores every run and its derived records; two captures writing to one folder at once lose nothing; export gives them all, each valid against its JSON Schema', async () => {
    const dir = await tempDir('files-cli-');
    const scenarios = await inProcessScenarios();
    const [a, b] = await Promise.all([
      runCli(['capture', '--store', 'files', '--dir', dir, '--scenarios', scenarios, '--json'], { timeoutMs: 150_000 }),
      runCli(['capture', '--store', 'files', '--dir', dir, '--scenarios', scenarios, '--json', '--repeat', '2'], {
        timeoutMs: 150_000,
      }),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const runs = [...jsonLines(a.stdout).slice(0, -1), ...jsonLines(b.stdout).slice(0, -1)];
    const keys = runs.map((r) => r.failure_id ?? r.trace_id);
    expect(new Set(keys).size).toBe(keys.length);

    const exported = await runMain(['export', '--store', 'files', '--dir', dir]);
    expect(exported.code).toBe(0);
    const related = relatedOf(runs);
    expect(related).toBeGreaterThan(runs.length / 2);
    expect(exported.stderr).toContain(`exported ${keys.length + related} records from the files store`);
    const records = jsonLines(exported.stdout);
    expect(
      runsOf(records)
        .map((r) => r.failure_id ?? r.trace_id)
        .sort(),
    ).toEqual([...keys].sort());
    const validate = await committedSchemaValidator();
    const types = new Set<string>();
    for (const record of records) {
      const { type, errors } = validate(record);
      types.add(type);
      expect(errors).toBeNull();
    }
    expect([...types].sort()).toEqual(['failure_trace', 'fallback', 'recovery_trace', 'trace_record']);

    const timeouts = jsonLines(
      (await runMain(['export', '--store', 'files', '--dir', dir, '--kind', 'timeout'])).stdout,
    );
    expect(timeouts.length).toBe(runs.filter((r) => r.detected === 'timeout').length);
    expect(timeouts.every((r) => r.detected === 'timeout')).toBe(true);
    const future = await runMain(['export', '--store', 'files', '--dir', dir, '--since', '2999-01-01T00:00:00Z']);
    expect(future.stdout).toBe('');
  }, 240_000);

  it('LAB_STORE=files with LAB_DIR chooses the store', async () => {
    const dir = await tempDir('files-env-');
    const run = await runMain(['capture', '--filter', 'planner-', '--json'], {
      env: { LAB_STORE: 'files', LAB_DIR: dir },
    });
    expect(run.code).toBe(0);
    expect(
      jsonLines((await runMain(['export', '--store', 'files', '--dir', dir, '--type', 'trace_record'])).stdout),
    ).toHaveLength(3);
  });
});

describe('capture --store cosmos', () => {
  it('works end to end like memory, and export reads it back', async () => {
    const env = cosmosEnv(cosmos.endpoint);
    const run = await runMain(
      ['capture', '--store', 'cosmos', '--json', '--scenarios', await scenarioFolder(EVERY_ENDING)],
      {
        env,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    const summary = lines.pop().summary;
    expect(summary).toMatchObject({
      runs: EVERY_ENDING.length,
      stored: lines.length,
      retrieved: lines.length,
      exit_code: 0,
    });
    const exported = jsonLines((await runMain(['export', '--store', 'cosmos'], { env })).stdout);
    expect(
      runsOf(exported)
        .map((r) => r.trace_id)
        .sort(),
    ).toEqual(lines.map((l) => l.trace_id).sort());
    expect(exported.length).toBe(lines.length + relatedOf(lines));
    const validate = await committedSchemaValidator();
    const types = new Set<string>();
    for (const record of exported) {
      const { type, errors } = validate(record);
      types.add(type);
      expect(errors).toBeNull();
    }
    expect([...types].sort()).toEqual(['failure_trace', 'fallback', 'recovery_trace', 'trace_record']);
  });

  it('without its configuration exits 2 naming the missing variables, before running anything', async () => {
    const run = await runMain(['capture', '--store', 'cosmos'], { env: { COSMOS_ENDPOINT: cosmos.endpoint } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--store cosmos needs COSMOS_DATABASE, COSMOS_CONTAINER_TRACES');
  });

  it('exits 1 naming every record not stored when writes keep failing', async () => {
    // Every document write fails (503); creating the database and the container still works.
    const proxy = await startFaultProxy(
      cosmos.endpoint,
      { throttle: 0, unavailable: 1, resetBefore: 0, resetAfter: 0, slow: 0 },
      { only: (req) => req.method === 'POST' && /\/docs$/.test(req.url ?? '') },
    );
    proxy.state.enabled = true;
    try {
      const run = await runMain(['capture', '--store', 'cosmos', '--filter', 'planner-', '--json'], {
        env: cosmosEnv(proxy.endpoint),
      });
      expect(run.code, run.stderr).toBe(1);
      const lines = jsonLines(run.stdout);
      const summary = lines.pop().summary;
      expect(summary, run.stdout + run.stderr).toMatchObject({ runs: 3, stored: 0, exit_code: 1 });
      // The ledger lives in the same failing account: the summary says it was not written, and why.
      expect(summary.ledger).toBeNull();
      expect(summary.ledger_error).toMatch(/503/);
      for (const line of lines)
        expect(line.lab_error).toMatchObject({
          name: 'NotStored',
          message: expect.stringContaining(line.failure_id ?? line.trace_id),
        });
      const human = await runMain(['capture', '--store', 'cosmos', '--filter', 'planner-'], {
        env: cosmosEnv(proxy.endpoint),
      });
      expect(human.code).toBe(1);
      expect(human.stderr).toMatch(/not stored and retrieved intact: ([0-9a-f-]{36}(, )?){3}/);
    } finally {
      await proxy.close();
    }
  });

  it('never prints the Cosmos key, even when the endpoint fails', async () => {
    // A process of its own: everything it prints, the CLI's output or not, is searched.
    const key = 'c2VjcmV0LWNvc21vcy1rZXktY2FuYXJ5LTAxMjM0NTY3ODk=';
    const run = await runCli(['capture', '--store', 'cosmos', '--filter', 'planner-'], {
      env: cosmosEnv('http://127.0.0.1:9', { COSMOS_KEY: key, COSMOS_MAX_RETRIES: '0' }),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot open database');
    expect(run.stdout + run.stderr).not.toContain(key);
  });
});

describe('cosmos over HTTPS with a generated certificate', () => {
  it('trusts COSMOS_CA_CERT for its own client only, and refuses an unknown certificate without it', async () => {
    const dir = await tempDir('cosmos-tls-');
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    const server = createCosmosHttpsServer({ key: await readFile(keyFile), cert: await readFile(certFile) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const trusted = await runCli(['capture', '--store', 'cosmos', '--filter', 'planner-', '--json'], {
        env: cosmosEnv(endpoint, { COSMOS_CA_CERT: certFile }),
      });
      expect(trusted.code, trusted.stderr).toBe(0);
      const untrusted = await runCli(['capture', '--store', 'cosmos', '--filter', 'planner-'], {
        env: cosmosEnv(endpoint, { COSMOS_MAX_RETRIES: '0' }),
      });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/cannot open database.*(self-signed|certificate)/i);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    // A key, a certificate and two capture processes: the limit is for a hang, not a speed check.
  }, 120_000);
});
