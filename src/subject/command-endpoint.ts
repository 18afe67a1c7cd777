import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ToolScriptError } from '../errors/tool-script-error.ts';
import type { SubjectContext } from './subject.ts';
import { UnknownToolError } from './tool.ts';
import { forwardedHeaders } from '../internal/forwarded-headers.ts';

/** What the endpoint last sent the agent for a model call that failed over HTTP (see docs/command-subjects.md). */
export interface EndpointHttpError {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * One run's loopback endpoint for a command subject. Model requests are forwarded through the
 * run's recording fetch (ctx.endpoint.fetch), so every exchange becomes a model_call step exactly
 * as for a TypeScript subject; `POST /tools/<name>` calls the run's ToolBox, so every call is a
 * tool_call step and its result a grounding source.
 */
export class CommandEndpoint {
  readonly #ctx: SubjectContext<unknown>;
  readonly #server: http.Server;
  readonly #upstream: URL;
  readonly #calls = new Map<string, number>();
  /** The last model exchange that ended in an HTTP error, cleared by a success. */
  lastHttpError: EndpointHttpError | null = null;
  /** A fault of the scenario met during the run (a tool call with nothing to answer it). */
  fault: ToolScriptError | null = null;

  private constructor(ctx: SubjectContext<unknown>) {
    this.#ctx = ctx;
    this.#upstream = new URL(ctx.endpoint.baseURL);
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String((error as Error)?.message ?? error) }));
      });
    });
  }

  static async start(ctx: SubjectContext<unknown>): Promise<CommandEndpoint> {
    const endpoint = new CommandEndpoint(ctx);
    await new Promise<void>((resolve) => endpoint.#server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  get #origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** OPENAI_BASE_URL for the agent: same path as the session's, on this endpoint. */
  get baseURL(): string {
    return `${this.#origin}${this.#upstream.pathname.replace(/\/$/, '')}`;
  }

  /** LAB_TOOLS_URL for the agent. */
  get toolsURL(): string {
    return `${this.#origin}/tools`;
  }

  close(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '/';
    if (url.startsWith('/tools/')) return this.#tool(decodeURIComponent(url.slice('/tools/'.length)), body, res);
    const headers: Record<string, string> = { 'content-type': req.headers['content-type'] ?? 'application/json' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const signal = AbortSignal.any([this.#ctx.signal, abortOnClose(res)]);
    const upstream = await this.#ctx.endpoint.fetch(new URL(url, this.#upstream.origin).href, {
      method: req.method ?? 'GET',
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      signal,
    });
    const out = forwardedHeaders(upstream.headers);
    if (upstream.status >= 400) {
      const text = await upstream.text();
      this.lastHttpError = { status: upstream.status, headers: upstream.headers, body: parseJson(text) };
      res.writeHead(upstream.status, out).end(text);
      return;
    }
    this.lastHttpError = null;
    res.writeHead(upstream.status, out);
    if (!upstream.body) return void res.end();
    const stream = Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream);
    // A stream cut upstream is cut for the agent too: destroy, never end cleanly.
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  async #tool(name: string, body: string, res: http.ServerResponse): Promise<void> {
    const n = (this.#calls.get(name) ?? 0) + 1;
    this.#calls.set(name, n);
    const send = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value ?? null));
    };
    let args: unknown;
    try {
      args = body === '' ? {} : JSON.parse(body);
    } catch {
      return send(400, { error: `the body of a call to ${name} is not JSON` });
    }
    try {
      send(200, await this.#ctx.tools.call(name, args));
    } catch (error) {
      if (ToolScriptError.isInstance(error)) {
        this.fault ??= new ToolScriptError({ tool: name, call: n });
        return send(500, { error: this.fault.message });
      }
      send(error instanceof UnknownToolError ? 404 : 500, { error: String((error as Error)?.message ?? error) });
    }
  }
}

function abortOnClose(res: http.ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the agent closed the connection'));
  });
  return controller.signal;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
