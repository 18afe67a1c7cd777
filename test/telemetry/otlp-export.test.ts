import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';

/** A loopback OTLP/HTTP receiver that keeps what it is sent. */
let received: { path: string; body: string }[] = [];
let endpoint = '';
const receiver = createServer(async (req: IncomingMessage, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  received.push({ path: req.url ?? '', body });
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

describe('OTLP/HTTP export', () => {
  it('sends the spans of every run when OTEL_EXPORTER_OTLP_ENDPOINT is set, with no secret in them', async () => {
    received = [];
    const secret = 'sk-canary-otlp-0123456789';
    const { code } = await runCli(['capture', '--filter', 'weather', '--json'], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OPENAI_API_KEY: secret },
    });
    expect(code).toBe(0);
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((r) => r.path === '/v1/traces')).toBe(true);
    const all = received.map((r) => r.body).join('\n');
    expect(all).toContain('invoke_agent weather-agent');
    expect(all).toContain('execute_tool get_weather');
    expect(all).toContain('chat lab-model');
    expect(all).toContain('gen_ai.operation.name');
    expect(all).not.toContain(secret);
  });

  it('sends nothing when the variable is unset', async () => {
    received = [];
    const { code } = await runCli(['capture', '--filter', 'weather', '--json']);
    expect(code).toBe(0);
    expect(received).toEqual([]);
  });
});
