// A server the scenario asks not to start (mcp_start, docs/chaos-mcp.md): the agent's real client
// sees it fail at connect, over stdio (the relay exits at once) and Streamable HTTP
// (initialize answered 502), and the run is labelled, not stopped as a fault of the set-up.
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Scenario } from '../../src/contracts/scenario.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { McpServerStartError } from '../../src/errors/mcp-server-start-error.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import { defineSubject, type Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

const SERVER = path.join(ROOT, 'examples/mcp-weather-server/server.ts');

let server: ScriptedModelServer;
let subjects: Map<string, Subject>;
let scenarios: Scenario[];

beforeAll(async () => {
  server = await ScriptedModelServer.start();
  subjects = await (await SubjectCatalog.open(path.join(ROOT, 'subjects'))).load([
    'mcp-client-forecast',
    'agents-mcp-forecast',
  ]);
  const dir = await mkdtemp(path.join(tmpdir(), 'mcp-start-'));
  for (const name of await readdir(path.join(ROOT, 'scenarios')))
    if (/^(mcp-client|agents-mcp)-forecast-(http-)?(start-fail|control)\.json$/.test(name))
      await cp(path.join(ROOT, 'scenarios', name), path.join(dir, name));
  scenarios = (await loadScenarios(dir, subjects)).map((l) => l.scenario);
});
afterAll(() => server?.close());

describe('a server the scenario asks not to start', () => {
  it('fails the real clients at connect over both transports; the run is labelled, the fault recorded with its site', async () => {
    const asked = scenarios.filter((s) => s.mcp_start);
    expect(asked.map((s) => s.id).sort()).toEqual([
      'agents-mcp-forecast-http-start-fail',
      'agents-mcp-forecast-start-fail',
      'mcp-client-forecast-http-start-fail',
      'mcp-client-forecast-start-fail',
    ]);
    const runs = await Promise.all(
      asked.map(async (scenario) => {
        const { trace } = await runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server });
        return { scenario, record: TraceRecord.parse(trace) };
      }),
    );
    const errors: Record<string, string> = {};
    for (const { scenario, record } of runs) {
      const id = scenario.id;
      expect(record.detected, `${id}: ${record.failure?.message}`).toBe(scenario.expected);
      // No call reached the server, and the model was never asked: the agent failed at connect.
      expect(
        record.steps.filter((s) => s.type === 'tool_call' || s.type === 'model_call'),
        id,
      ).toEqual([]);
      expect(record.injected_faults, id).toEqual([
        { source: 'script', site: { mcp: 'weather' }, step_index: null, step_type: null, fault: { start: 'fail' } },
      ]);
      expect(record.failure!.taxonomy.trail?.path, id).toEqual([
        'System Execution Errors',
        'API Issues',
        'Service Errors',
      ]);
      const error = record.failure!.kind === 'exception' ? record.failure!.error : null;
      errors[id] = `${error?.class} ${error?.code}`;
    }
    // What each real client says when its server does not start.
    expect(errors).toEqual({
      'mcp-client-forecast-start-fail': 'McpError -32000',
      'mcp-client-forecast-http-start-fail': 'StreamableHTTPError 502',
      'agents-mcp-forecast-start-fail': 'SdkError CONNECTION_CLOSED',
      'agents-mcp-forecast-http-start-fail': 'SdkHttpError ERA_NEGOTIATION_FAILED',
    });
  }, 60_000);

  it('a variant asks for it as { mcp, start: fail }: the record says the variant placed it', async () => {
    const control = scenarios.find((s) => s.id === 'mcp-client-forecast-http-control')!;
    const scenario = Scenario.parse({
      ...control,
      id: 'mcp-client-forecast-http-control-down',
      variants: [{ id: 'down', description: 'd', expected: 'exception', faults: [{ mcp: 'weather', start: 'fail' }] }],
    });
    const { variantScenarios } = await import('../../src/chaos/expand-variants.ts');
    const {
      scenarios: [variant],
      problems,
    } = variantScenarios(scenario);
    expect(problems).toEqual([]);
    expect(variant!.mcp_start).toEqual({ weather: 'fail' });
    const { trace } = await runWithFailureDetection(subjects.get('mcp-client-forecast')!, variant!, { model: server });
    expect(trace.detected).toBe('exception');
    expect(trace.injected_faults).toMatchObject([
      { source: 'variant', site: { mcp: 'weather' }, fault: { start: 'fail' } },
    ]);
  }, 60_000);

  it('the stdio "server" exits at once, as a server that cannot start does, and writes nothing to the stderr a client may pass through', async () => {
    let stderr = '';
    const probe = defineSubject({
      id: 'start-probe',
      description: 'Connects to the weather server and reports what its process wrote to stderr.',
      inputSchema: z.object({}),
      outputSchema: z.object({ error: z.string() }),
      toolsCalledBy: 'subject',
      mcp_servers: { weather: { command: [process.execPath, SERVER] } },
      async run(ctx) {
        const proxied = ctx.mcp.weather!;
        const transport = new StdioClientTransport({
          command: proxied.command,
          args: [...proxied.args],
          stderr: 'pipe',
        });
        transport.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
        });
        const error = await new Client({ name: 'probe', version: '1.0.0' }).connect(transport).then(
          () => 'connected',
          (e: Error) => e.message,
        );
        return { error };
      },
    });
    const scenario = Scenario.parse({
      id: 'start-probe',
      subject: 'start-probe',
      description: 'd',
      expected: null,
      deadline_ms: 30000,
      input: {},
      mcp_start: { weather: 'fail' },
    });
    const { trace } = await runWithFailureDetection(probe, scenario, { model: server });
    expect(trace.detected).toBeNull();
    expect(JSON.parse(trace.output!.text)).toEqual({ error: 'MCP error -32000: Connection closed' });
    expect(stderr).toBe('');
  }, 60_000);

  it('asked for, a server whose command is broken is not even started: no set-up error; unasked, it still is one (exit 2)', async () => {
    const base = subjects.get('mcp-client-forecast')!;
    const broken = { ...base, mcp_servers: { weather: { command: [process.execPath, SERVER, '--fail'] } } };
    const asked = scenarios.find((s) => s.id === 'mcp-client-forecast-start-fail')!;
    const { trace } = await runWithFailureDetection(broken, asked, { model: server });
    expect(trace.detected).toBe('exception');
    const control = scenarios.find((s) => s.id === 'mcp-client-forecast-control')!;
    const error = await runWithFailureDetection(broken, control, { model: server }).catch((e: unknown) => e);
    expect(McpServerStartError.isInstance(error)).toBe(true);
    expect((error as McpServerStartError).exitCode).toBe(2);
    expect((error as Error).message).toContain('cannot open the forecast table');
  }, 60_000);
});
