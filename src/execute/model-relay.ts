import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { LabError } from '../errors/lab-error.ts';
import { forwardedHeaders } from '../internal/forwarded-headers.ts';

/** Request headers that belong to one hop (or that fetch sets itself), never forwarded. */
const HOP_REQUEST = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'accept-encoding',
  'proxy-authorization',
  'proxy-connection',
]);

interface Route {
  /** The run's endpoint's base URL, without a trailing slash. */
  readonly upstream: string;
  readonly fetch: typeof fetch;
  readonly signal: AbortSignal;
}

/** The path every route's base URL ends with, as OpenAI-compatible base URLs do; it stands for the endpoint's base URL. */
const BASE_PATH = '/v1';

/** The token of the route given to code loaded outside every run (subject files and what they import). */
const OUTSIDE_RUNS = 'outside-runs';

/** A run's address on the relay: the base URL its agent is given, until close(). */
export interface RelayRoute {
  /** `http://127.0.0.1:<port>/<token>/v1`: a request to `<it>/chat/completions` goes to `<the endpoint's base URL>/chat/completions`. */
  readonly baseURL: string;
  /** Requests after this are answered 404: the run is over. */
  close(): void;
}

/**
 * The thread's loopback relay for in-process runs whose agent builds its own openai client from
 * OPENAI_BASE_URL (docs/own-agent.md, "An agent that builds its own client"). Each run has a route
 * of its own, `/<token>/…`, and every request on it is forwarded through that run's recording
 * fetch, so it becomes a model_call step of that run and no other, with any number of runs in
 * flight. One server per thread, started once and unref'd; routes cost a map entry.
 */
export class ModelRelay {
  static #shared: Promise<ModelRelay> | null = null;
  readonly #server: http.Server;
  readonly #routes = new Map<string, Route>();
  #origin = '';
  /** Tokens are this thread's random prefix and a count: unguessable from outside, and cheaper than a UUID a run. */
  readonly #prefix = randomBytes(12).toString('hex');
  #count = 0;

  private constructor() {
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch(() => {
        // Whatever went wrong, the agent meets a broken connection, as it would have with the endpoint itself.
        res.destroy();
      });
    });
  }

  /** This thread's relay, listening on loopback (started on first use). */
  static shared(): Promise<ModelRelay> {
    ModelRelay.#shared ??= ModelRelay.#start().catch((error: unknown) => {
      ModelRelay.#shared = null;
      throw new LabError({
        message: `the model relay for in-process runs could not listen on loopback: ${String(error)}`,
        cause: error,
      });
    });
    return ModelRelay.#shared;
  }

  static async #start(): Promise<ModelRelay> {
    const relay = new ModelRelay();
    await new Promise<void>((resolve, reject) => {
      relay.#server.once('error', reject);
      relay.#server.listen(0, '127.0.0.1', () => {
        relay.#server.off('error', reject);
        resolve();
      });
    });
    // The relay never keeps a process (or a worker thread) alive on its own.
    relay.#server.unref();
    relay.#origin = `http://127.0.0.1:${(relay.#server.address() as AddressInfo).port}`;
    return relay;
  }

  /** The base URL a client built outside every run is given: every request on it is answered 404, saying why. */
  get outsideRunsURL(): string {
    return `${this.#origin}/${OUTSIDE_RUNS}${BASE_PATH}`;
  }

  /** Routes a new base URL to the run's endpoint through its recording fetch; the run's signal ends every request. */
  route(endpoint: { readonly baseURL: string; readonly fetch: typeof fetch }, signal: AbortSignal): RelayRoute {
    const token = `${this.#prefix}-${++this.#count}`;
    this.#routes.set(token, { upstream: endpoint.baseURL.replace(/\/+$/, ''), fetch: endpoint.fetch, signal });
    return { baseURL: `${this.#origin}/${token}${BASE_PATH}`, close: () => this.#routes.delete(token) };
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const cut = url.indexOf('/', 1);
    const route = cut < 0 ? undefined : this.#routes.get(url.slice(1, cut));
    const rest = url.slice(cut);
    if (!route || !(rest === BASE_PATH || rest.startsWith(`${BASE_PATH}/`) || rest.startsWith(`${BASE_PATH}?`))) {
      const message = url.startsWith(`/${OUTSIDE_RUNS}/`)
        ? 'this client was built outside every run of the agent failure lab (when its module loaded), so no run records it: build the client inside the function the subject calls (docs/own-agent.md, "An agent that builds its own client")'
        : 'no run of the agent failure lab is in flight at this base URL: the run is over (a client built in one run and used after it), see docs/own-agent.md';
      res.writeHead(404, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined && !HOP_REQUEST.has(name))
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    // A JSON body goes on as text, which the recorder reads (model, stream) as it does a client's.
    const body = !hasBody
      ? undefined
      : (headers.get('content-type') ?? '').includes('json')
        ? raw.toString('utf8')
        : raw;
    let upstream: Response;
    try {
      upstream = await route.fetch(`${route.upstream}${rest.slice(BASE_PATH.length)}`, {
        method: req.method ?? 'GET',
        headers,
        body,
        signal: AbortSignal.any([route.signal, abortOnClose(res)]),
      });
    } catch {
      // A connection the endpoint broke (or the run's deadline) is broken for the agent too: it
      // then fails as it would have talking to the endpoint directly (APIConnectionError).
      res.destroy();
      return;
    }
    const out = { ...forwardedHeaders(upstream.headers), connection: 'close' };
    res.writeHead(upstream.status, upstream.statusText, out);
    if (!upstream.body) return void res.end();
    const stream = Readable.fromWeb(upstream.body as ReadableStream);
    // A stream cut upstream is cut for the agent too: destroy, never end cleanly.
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
}

function abortOnClose(res: http.ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the agent closed the connection'));
  });
  return controller.signal;
}
