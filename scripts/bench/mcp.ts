// Part: the MCP proxy. What the lab's proxy adds to a tools/call against calling the same server
// directly, with the MCP SDK's own Client, side by side: over stdio (the relay and the proxy
// between the client and the server process) and over Streamable HTTP (the proxy between the
// client and a server process serving HTTP). The proxy records every call as a step, as in a run.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { StepRecorder } from '../../src/execute/step-recorder.ts';
import { systemClock } from '../../src/internal/clock.ts';
import { createRedactor } from '../../src/internal/redact.ts';
import { McpRunProxy } from '../../src/mcp/mcp-proxy.ts';
import { type BenchContext, percentile, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SERVER = path.join(ROOT, 'examples/mcp-weather-server/server.ts');

async function connect(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** The weather server serving Streamable HTTP in a process of its own; resolves with its URL. */
function httpServer(): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER, '--http', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.on('error', reject);
    child.stdout!.once('data', (chunk: Buffer) => resolve({ url: chunk.toString('utf8').trim(), child }));
  });
}

/** Calls get_forecast n times on each client in turn (interleaved rounds), each call's time in ms. */
async function sideBySide(
  direct: Client,
  proxied: Client,
  n: number,
): Promise<{ direct: number[]; proxied: number[] }> {
  const call = (client: Client) => client.callTool({ name: 'get_forecast', arguments: { city: 'Paris' } });
  for (let i = 0; i < 200; i++) {
    await call(direct);
    await call(proxied);
  }
  const out = { direct: [] as number[], proxied: [] as number[] };
  const rounds = 20;
  for (let round = 0; round < rounds; round++)
    for (const [side, client] of [
      ['direct', direct],
      ['proxied', proxied],
    ] as const)
      for (let i = 0; i < n / rounds; i++) {
        const t = performance.now();
        await call(client);
        out[side].push(performance.now() - t);
      }
  return out;
}

export async function benchMcp({ quick, rows, progress }: BenchContext): Promise<void> {
  const n = quick ? 400 : 4000;
  const upstream = await httpServer();
  const recorder = new StepRecorder({
    clock: systemClock,
    redact: createRedactor([]),
    observer: { begin: () => null, end: () => {} },
  });
  const proxy = await McpRunProxy.open({
    servers: { weather: { command: [process.execPath, SERVER] }, remote: { url: upstream.url } },
    script: {},
    recorder,
    signal: new AbortController().signal,
    redact: createRedactor([]),
    scenarioId: 'bench',
  });
  const clients: Client[] = [];
  try {
    for (const transport of ['stdio', 'streamable_http'] as const) {
      progress(`mcp: ${transport}, ${n} calls a side`);
      const direct =
        transport === 'stdio'
          ? await connect(new StdioClientTransport({ command: process.execPath, args: [SERVER] }))
          : await connect(new StreamableHTTPClientTransport(new URL(upstream.url)));
      const endpoint = proxy.endpoints[transport === 'stdio' ? 'weather' : 'remote']!;
      const proxied =
        transport === 'stdio'
          ? await connect(new StdioClientTransport({ command: endpoint.command, args: [...endpoint.args] }))
          : await connect(new StreamableHTTPClientTransport(new URL(endpoint.url)));
      clients.push(direct, proxied);
      const times = await sideBySide(direct, proxied, n);
      const base = percentile(times.direct, 50);
      const lab = percentile(times.proxied, 50);
      rows.push(
        row({
          name: `MCP tools/call through the lab's proxy against the same server called directly, ${transport === 'stdio' ? 'stdio' : 'Streamable HTTP'} (p50, n=${n} a side, interleaved)`,
          unit: 'ms',
          baseline: base,
          lab,
          ...(transport === 'stdio' ? { target: { on: 'added', op: '<=', value: 1, unit: 'ms' } } : {}),
          note: `added p50 ${(lab - base).toFixed(3)} ms, p99 ${(percentile(times.proxied, 99) - percentile(times.direct, 99)).toFixed(3)} ms (direct p99 ${percentile(times.direct, 99).toFixed(3)} ms); the proxied side also records each call as a tool_call step${transport === 'stdio' ? ', and passes through the relay process' : ''}`,
        }),
      );
    }
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await proxy.close();
    upstream.child.kill();
  }
}
