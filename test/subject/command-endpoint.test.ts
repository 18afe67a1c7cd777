import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandEndpoint } from '../../src/subject/command-endpoint.ts';
import type { SubjectContext } from '../../src/subject/subject.ts';

// An upstream that compresses its answers, as a provider behind a live endpoint may.
const BODY = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [] });
let upstream: http.Server;
let upstreamURL: string;
beforeAll(async () => {
  upstream = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(BODY));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
});
afterAll(() => {
  upstream.closeAllConnections();
  upstream.close();
});

describe('a command subject endpoint', () => {
  it('passes a compressed answer on as the decoded body it is, without its content-encoding', async () => {
    const ctx = {
      signal: new AbortController().signal,
      endpoint: { baseURL: upstreamURL, apiKey: 'stand-in', fetch: globalThis.fetch },
    } as unknown as SubjectContext<unknown>;
    const endpoint = await CommandEndpoint.start(ctx);
    try {
      const res = await fetch(`${endpoint.baseURL}/chat/completions`, { method: 'POST', body: '{}' });
      expect(res.headers.get('content-encoding')).toBeNull();
      // Read as the agent's client reads it: a gzip header over a plain body would not decode.
      expect(await res.text()).toBe(BODY);
    } finally {
      endpoint.close();
    }
  });
});
