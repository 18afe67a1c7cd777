import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How often each fault is injected, per request, once faults are on. */
export interface FaultRates {
  throttle: number;
  unavailable: number;
  resetBefore: number;
  resetAfter: number;
  slow: number;
}

/** Counts of what the proxy did. */
export type FaultCounts = Record<keyof FaultRates | 'forwarded', number>;

/** A deterministic generator (mulberry32), so a fault run can be repeated exactly. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An HTTP proxy on loopback between a Cosmos client and server (faults on when `state.enabled`,
 * and only for requests `only` accepts) that injects 429 with
 * x-ms-retry-after-ms, 503, connection resets (before forwarding, and after forwarding so the
 * write happened but its answer is lost) and slow responses.
 */
export async function startFaultProxy(
  target: string,
  rates: FaultRates,
  { seed = 42, only }: { seed?: number; only?: (req: IncomingMessage) => boolean } = {},
) {
  const next = random(seed);
  const counts: FaultCounts = { throttle: 0, unavailable: 0, resetBefore: 0, resetAfter: 0, slow: 0, forwarded: 0 };
  const state = { enabled: false };
  const targetUrl = new URL(target);
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse | null, delayMs = 0) => {
    counts.forwarded++;
    const upstream = request(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          if (!res) return; // The answer is dropped: the client's connection was reset.
          setTimeout(() => {
            if (res.destroyed) return;
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(chunks));
          }, delayMs);
        });
      },
    );
    upstream.on('error', () => res?.destroy());
    upstream.end(body);
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (!state.enabled || (only && !only(req))) return forward(req, body, res);
    let roll = next();
    const pick = (rate: number) => (roll -= rate) < 0;
    if (pick(rates.throttle)) {
      counts.throttle++;
      res.writeHead(429, { 'content-type': 'application/json', 'x-ms-retry-after-ms': '5', 'x-ms-substatus': '3200' });
      return res.end(JSON.stringify({ code: 'TooManyRequests', message: 'Request rate is large (injected)' }));
    }
    if (pick(rates.unavailable)) {
      counts.unavailable++;
      res.writeHead(503, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ code: 'ServiceUnavailable', message: 'injected 503' }));
    }
    if (pick(rates.resetBefore)) {
      counts.resetBefore++;
      return req.socket.destroy();
    }
    if (pick(rates.resetAfter)) {
      counts.resetAfter++;
      forward(req, body, null);
      return setTimeout(() => req.socket.destroy(), 20);
    }
    if (pick(rates.slow)) {
      counts.slow++;
      return forward(req, body, res, 150);
    }
    forward(req, body, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
