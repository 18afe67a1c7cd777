// capture --live: each run talks to a loopback endpoint of the lab that forwards its model calls
// to the real OPENAI_BASE_URL, and injects the faults a live script gives chosen calls (docs/live.md).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { type InjectedFault, replacesCall } from '../contracts/fault.ts';
import { isLiveScript, type Scenario, type ScriptedReply } from '../contracts/scenario.ts';
import { ConfigError } from '../errors/config-error.ts';
import { sleep } from '../internal/abortable.ts';
import type { ModelEndpoint, ModelSession, SessionOptions } from './model-endpoint.ts';
import { expandedReplies, ScriptedHttp } from './scripted-http.ts';
import { forwardedHeaders } from '../internal/forwarded-headers.ts';

/** The api key a run's client is given: the lab's endpoint adds the real one upstream, so no subject ever holds it. */
export const LIVE_PROXY_API_KEY = 'lab-live-endpoint-no-key';

/** Request headers never forwarded upstream: the connection's own, and the run's stand-in key. */
const REQUEST_HOP = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'authorization',
  'api-key',
  'proxy-authorization',
  'upgrade',
  'te',
  'trailer',
]);

/** One run's state: its live script, where it stands, its faults and what is still open. */
interface LiveRun {
  scenarioId: string;
  closeConnections: boolean;
  /** The script with `times` unrolled, for a live script (docs/live.md); null forwards every call. */
  script: ScriptedReply[] | null;
  next: number;
  open: Set<ServerResponse>;
  controller: AbortController;
  faults: string[];
  injected: Omit<InjectedFault, 'step_index'>[];
}

/**
 * A real OpenAI-compatible endpoint from OPENAI_BASE_URL / OPENAI_API_KEY (/ OPENAI_MODEL), reached
 * through a loopback endpoint of the lab's own. Every run gets /runs/<run id>/v1 on it. A scenario
 * whose script has a `live: true` reply is a live script: its n-th reply decides the n-th model
 * call (forwarded, forwarded with a fault, or answered from the script) and calls past it are
 * forwarded; any other scenario's calls are all forwarded as they are. The real key is added to
 * forwarded requests here and nowhere else; nothing but the upstream's origin is contacted.
 */
export class LiveEndpoint implements ModelEndpoint {
  readonly mode = 'live' as const;
  /** The upstream API key: the lab redacts it from everything it writes, whatever its caller's secrets. */
  readonly secrets: readonly string[];
  readonly #upstream: string;
  readonly #apiKey: string;
  readonly #model: string;
  readonly #fetch: typeof fetch;
  readonly #server: Server;
  readonly #scripted: ScriptedHttp;
  readonly #runs = new Map<string, LiveRun>();
  /** Sub-runs of the scripted server (one per scripted call), by the live run they belong to. */
  readonly #subRuns = new Map<string, string>();
  readonly url: string;

  private constructor(env: Upstream, server: Server, scripted: ScriptedHttp, fetchImpl: typeof fetch) {
    this.#upstream = env.baseURL;
    this.#apiKey = env.apiKey;
    this.#model = env.model;
    this.secrets = [env.apiKey];
    this.#fetch = fetchImpl;
    this.#server = server;
    this.#scripted = scripted;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('request', (req, res) =>
      this.#handle(req, res).catch(() => {
        // Never the error's text: it could quote the upstream request.
        if (!res.headersSent)
          res
            .writeHead(502, { 'content-type': 'application/json' })
            .end('{"error":{"message":"lab live endpoint: internal error"}}');
        else res.destroy();
      }),
    );
  }

  /**
   * Checks the environment (OPENAI_BASE_URL and OPENAI_API_KEY are needed) and starts the loopback
   * endpoint. `fetch` is how the upstream is reached (the global fetch by default).
   */
  static async start(
    env: NodeJS.ProcessEnv,
    { fetch: fetchImpl = fetch }: { fetch?: typeof fetch } = {},
  ): Promise<LiveEndpoint> {
    const upstream = upstreamOf(env);
    let live: LiveEndpoint | undefined;
    const scripted = await ScriptedHttp.listen(0, {
      catchUp: () => {},
      fault: (subRun, text) => {
        if (live) live.#subFault(subRun, text);
      },
      request: () => {},
    });
    const server = createServer({ keepAliveTimeout: 5_000 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    live = new LiveEndpoint(upstream, server, scripted, fetchImpl);
    return live;
  }

  open(scenario: Scenario, runId: string, options: SessionOptions = {}): ModelSession {
    const run: LiveRun = {
      scenarioId: scenario.id,
      closeConnections: options.closeConnections === true,
      script: isLiveScript(scenario) ? expandedReplies(scenario.model.replies) : null,
      next: 0,
      open: new Set(),
      controller: new AbortController(),
      faults: [],
      injected: [],
    };
    this.#runs.set(runId, run);
    return {
      baseURL: `${this.url}/runs/${encodeURIComponent(runId)}/v1`,
      apiKey: LIVE_PROXY_API_KEY,
      model: this.#model,
      labFaults: () => run.faults,
      injectedFaults: () => run.injected,
      close: () => {
        this.#runs.delete(runId);
        run.controller.abort(new Error('the run ended'));
        for (const res of run.open) res.destroy();
      },
    };
  }

  /** Stops listening and closes every connection, open calls included. */
  async close(): Promise<void> {
    for (const run of this.#runs.values()) {
      run.controller.abort(new Error('the live endpoint closed'));
      for (const res of run.open) res.destroy();
    }
    this.#runs.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await Promise.all([closed, this.#scripted.close()]);
  }

  #subFault(subRun: string, text: string): void {
    const runId = this.#subRuns.get(subRun);
    if (runId) this.#runs.get(runId)?.faults.push(text);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/runs\/([^/?]+)\/v1(\/[^?]*)?(\?.*)?$/.exec(req.url ?? '');
    const runId = match ? decodeURIComponent(match[1]!) : '';
    const run = this.#runs.get(runId);
    if (!match || !run) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { message: `no open run at ${match ? 'this path' : req.url}` } }));
    }
    run.open.add(res);
    res.on('close', () => run.open.delete(res));
    if (run.closeConnections) res.shouldKeepAlive = false;
    const rest = match[2] ?? '';
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks);
    const signal = AbortSignal.any([run.controller.signal, abortOnClose(res)]);
    // Model calls are the POSTs, counted as the scripted server counts them.
    const call = method === 'POST' ? ++run.next : null;
    const reply = call !== null ? run.script?.[call - 1] : undefined;
    const fault = reply?.fault;
    // Listed as the script wrote it; an empty fault is none.
    if (call !== null && fault && Object.keys(fault).length > 0)
      run.injected.push({ source: 'live', site: { model_call: call }, step_type: 'model_call', fault });
    if (reply && (!reply.live || replacesCall(fault))) {
      const { live: _live, times: _times, ...scripted } = reply;
      return this.#answerScripted(runId, call!, scripted, rest, body, signal, res);
    }
    if (fault?.delay_ms) {
      try {
        await sleep(fault.delay_ms, signal);
      } catch {
        return void res.destroy();
      }
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers))
      if (!REQUEST_HOP.has(key) && !key.startsWith('x-lab-') && value !== undefined)
        headers[key] = Array.isArray(value) ? value.join(', ') : value;
    headers.authorization = `Bearer ${this.#apiKey}`;
    let upstream: Response;
    try {
      upstream = await this.#fetch(`${this.#upstream}${rest}${match[3] ?? ''}`, {
        method,
        headers,
        body,
        signal,
        redirect: 'manual',
      });
    } catch {
      // The agent meets the connection failure it would have met talking to the upstream itself.
      return void res.destroy();
    }
    relay(upstream, res, fault?.cut_after_chunks);
  }

  /** A scripted answer amid live traffic: the scripted server answers it, faults and all, as it would any script. */
  async #answerScripted(
    runId: string,
    call: number,
    reply: ScriptedReply,
    rest: string,
    body: Buffer | undefined,
    signal: AbortSignal,
    res: ServerResponse,
  ): Promise<void> {
    const subRun = `${runId}~${call}`;
    this.#subRuns.set(subRun, runId);
    // Tool call ids as the scripted server gives the n-th reply of a whole script.
    const toolCalls = reply.tool_calls?.map((c, i) => ({ ...c, id: c.id ?? `call_${call}_${i + 1}` }));
    this.#scripted.open(subRun, {
      scenarioId: this.#runs.get(runId)?.scenarioId ?? runId,
      closeConnections: true,
      turns: null,
      replies: [{ ...reply, ...(toolCalls ? { tool_calls: toolCalls } : {}) }],
    });
    res.on('close', () => {
      this.#scripted.end(subRun);
      this.#subRuns.delete(subRun);
    });
    let answer: Response;
    try {
      answer = await fetch(`${this.#scripted.url}/runs/${encodeURIComponent(subRun)}/v1${rest}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal,
      });
    } catch {
      return void res.destroy();
    }
    relay(answer, res);
  }
}

interface Upstream {
  baseURL: string;
  apiKey: string;
  model: string;
}

/** The upstream from the environment, or a ConfigError naming what is missing (never a value). */
function upstreamOf(env: NodeJS.ProcessEnv): Upstream {
  const missing = ['OPENAI_BASE_URL', 'OPENAI_API_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ConfigError({ message: `--live needs ${missing.join(' and ')} in the environment (see .env.example)` });
  }
  let url: URL;
  try {
    url = new URL(env.OPENAI_BASE_URL!);
  } catch {
    throw new ConfigError({
      message:
        'OPENAI_BASE_URL is not a URL: give the base URL of an OpenAI-compatible API, such as https://api.openai.com/v1',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError({ message: `OPENAI_BASE_URL must be http: or https:, got ${url.protocol}` });
  return {
    baseURL: env.OPENAI_BASE_URL!.replace(/\/+$/, ''),
    apiKey: env.OPENAI_API_KEY!,
    model: env.OPENAI_MODEL || 'gpt-4o-mini',
  };
}

/**
 * Passes an answer on to the agent. A body that breaks breaks for the agent too (the connection
 * is destroyed, never ended cleanly); with cutAfter, an event stream is cut after that many events.
 */
function relay(answer: Response, res: ServerResponse, cutAfter?: number): void {
  const headers = forwardedHeaders(answer.headers);
  if (res.destroyed) return void answer.body?.cancel().catch(() => {});
  res.writeHead(answer.status, headers);
  if (!answer.body) return void res.end();
  const stream = Readable.fromWeb(answer.body as WebStream<Uint8Array>);
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  const sse = (answer.headers.get('content-type') ?? '').includes('text/event-stream');
  if (cutAfter === undefined || !sse) return void stream.pipe(res);
  const decoder = new TextDecoder();
  let pending = '';
  let events = 0;
  let done = false;
  const cut = (text: string) => {
    done = true;
    stream.destroy();
    res.write(text);
    // Let the written events leave before the connection is destroyed mid-stream, as the scripted server does.
    setTimeout(() => res.destroy(), 5).unref();
  };
  if (cutAfter === 0) return cut('');
  stream.on('data', (chunk: Buffer) => {
    if (done) return;
    pending += decoder.decode(chunk, { stream: true });
    let out = '';
    for (let end = eventEnd(pending); end !== -1; end = eventEnd(pending)) {
      const event = pending.slice(0, end);
      pending = pending.slice(end);
      out += event;
      if (/^data:/m.test(event) && ++events >= cutAfter) return cut(out);
    }
    if (out) res.write(out);
  });
  stream.on('end', () => res.end(pending));
}

/** The end of the first complete event in an event stream's text (after its blank line), or -1. */
function eventEnd(text: string): number {
  const m = /\r?\n\r?\n/.exec(text);
  return m ? m.index + m[0].length : -1;
}

function abortOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the agent closed the connection'));
  });
  return controller.signal;
}
