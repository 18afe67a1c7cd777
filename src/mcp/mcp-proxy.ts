import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { InjectedFault } from '../contracts/fault.ts';
import type { McpScript } from '../contracts/mcp-fault.ts';
import { ConfigError } from '../errors/config-error.ts';
import { McpServerStartError } from '../errors/mcp-server-start-error.ts';
import type { StepRecorder } from '../execute/step-recorder.ts';
import type { Redact } from '../internal/redact.ts';
import type { McpServerSpec, ProxiedMcpServer } from '../subject/subject.ts';
import { MALFORMED_MESSAGE, McpLink, type RawOps } from './mcp-link.ts';
import { McpFaultPlan } from './mcp-fault-plan.ts';

/** The relay an agent's client spawns for a stdio server: .ts in the source tree, .js in the package. */
const RELAY_FILE = fileURLToPath(
  new URL(`./stdio-relay.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
);
/** The relay's last argument for a server the scenario asked not to start (src/mcp/stdio-relay.ts). */
const FAIL_START_ARG = 'fail-start';
/** How long a server the proxy starts before the run may take to answer its first ping. */
const START_TIMEOUT_MS = 60_000;
/** The JSON-RPC id of the proxy's own ping to a server it started. */
const READY_PING_ID = 'lab-proxy-ready';
/** How much of a server's stderr a start failure quotes. */
const STDERR_TAIL_CHARS = 2000;
/** The largest request body the proxy reads over Streamable HTTP. */
const MAX_BODY_BYTES = 4 << 20;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** One Streamable HTTP session of the agent's client. */
interface HttpSession {
  transport: StreamableHTTPServerTransport;
  link: McpLink;
  open: Set<ServerResponse>;
}

/**
 * The lab's MCP proxy for one run (docs/chaos-mcp.md): for each server the subject declares, a
 * stdio command (a relay joined to the proxy over loopback) and a Streamable HTTP URL on loopback.
 * Each connection of the agent's client gets its own connection to the real server, built on the
 * SDK's transports, and every tools/call becomes a tool_call step that may get the scenario's fault.
 */
export class McpRunProxy {
  /** Where the agent's client connects, by server name (ctx.mcp). */
  readonly endpoints: Readonly<Record<string, ProxiedMcpServer>>;
  readonly #specs: Readonly<Record<string, McpServerSpec>>;
  readonly #plan: McpFaultPlan;
  /** The servers the scenario asked not to start (mcp_start): never started, and every connect to them fails. */
  readonly #failStart: ReadonlySet<string>;
  readonly #recorder: StepRecorder;
  readonly #signal: AbortSignal;
  readonly #redact: Redact;
  readonly #scenarioId: string;
  readonly #token: string;
  readonly #relay: NetServer;
  readonly #http: Server;
  readonly #links = new Set<McpLink>();
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Map<string, HttpSession>();
  /** A server started (and answering) before the run, for the first connection to it. */
  readonly #ready = new Map<string, Upstream>();
  #startFailure: McpServerStartError | null = null;
  #closed = false;

  private constructor(options: {
    specs: Readonly<Record<string, McpServerSpec>>;
    script: McpScript;
    start: Readonly<Record<string, 'fail'>>;
    recorder: StepRecorder;
    signal: AbortSignal;
    redact: Redact;
    scenarioId: string;
    relay: NetServer;
    http: Server;
    token: string;
  }) {
    this.#specs = options.specs;
    this.#plan = new McpFaultPlan(options.script);
    this.#failStart = new Set(Object.keys(options.start).filter((name) => name in options.specs));
    this.#recorder = options.recorder;
    this.#signal = options.signal;
    this.#redact = options.redact;
    this.#scenarioId = options.scenarioId;
    this.#relay = options.relay;
    this.#http = options.http;
    this.#token = options.token;
    const relayPort = portOf(options.relay);
    const httpPort = portOf(options.http);
    this.endpoints = Object.fromEntries(
      Object.keys(options.specs).map((name) => [
        name,
        {
          name,
          command: process.execPath,
          args: [
            RELAY_FILE,
            String(relayPort),
            options.token,
            name,
            // The relay then plays a server that exits at once (code 1).
            ...(this.#failStart.has(name) ? [FAIL_START_ARG] : []),
          ],
          url: `http://127.0.0.1:${httpPort}/mcp/${encodeURIComponent(name)}`,
        },
      ]),
    );
    options.relay.on('connection', (socket) => this.#onRelay(socket));
    options.http.on('request', (req, res) => void this.#onHttp(req, res));
  }

  /** Checks the servers' specs and starts the proxy's two loopback listeners. */
  static async open(options: {
    servers: Readonly<Record<string, McpServerSpec>>;
    script: McpScript;
    /** The scenario's mcp_start: the servers asked not to start. */
    start?: Readonly<Record<string, 'fail'>> | undefined;
    recorder: StepRecorder;
    signal: AbortSignal;
    redact: Redact;
    scenarioId: string;
  }): Promise<McpRunProxy> {
    for (const [name, spec] of Object.entries(options.servers)) checkSpec(name, spec);
    const relay = createNetServer({ noDelay: true });
    const http = createHttpServer();
    await Promise.all([listen(relay), listen(http)]);
    const proxy = new McpRunProxy({
      ...options,
      start: options.start ?? {},
      specs: options.servers,
      relay,
      http,
      token: randomBytes(16).toString('hex'),
    });
    try {
      await proxy.#startServers();
    } catch (error) {
      await proxy.close();
      throw error;
    }
    return proxy;
  }

  /**
   * Starts each command server before the run and waits for it to answer a ping (allowed before
   * initialize): a server that cannot start is found before the subject runs, and a server slow
   * to load costs the run none of its deadline, nor its client's timeouts.
   */
  async #startServers(): Promise<void> {
    await Promise.all(
      Object.entries(this.#specs).map(async ([name, spec]) => {
        if (!('command' in spec) || this.#failStart.has(name)) return;
        const upstream = this.#upstream(spec);
        try {
          await answersPing(upstream.transport);
        } catch (error) {
          await upstream.transport.close().catch(() => {});
          throw new McpServerStartError({
            server: name,
            scenarioId: this.#scenarioId,
            reason: this.#redact(error instanceof Error ? error.message : String(error)),
            stderrTail: this.#redact(upstream.stderrTail()),
            cause: error,
          });
        }
        this.#ready.set(name, upstream);
      }),
    );
  }

  /** The faults the run's MCP calls got, each with the step it hit. */
  get injectedFaults(): readonly InjectedFault[] {
    return this.#plan.injectedFaults;
  }

  /** The tools the servers listed during the run. */
  get listedTools(): readonly string[] {
    return [...this.#plan.listedTools];
  }

  /** A server that could not start (a fault of the set-up), if one did not. */
  get startFailure(): McpServerStartError | null {
    return this.#startFailure;
  }

  /** Ends every call still waiting for its answer as never answered: for a run that ended by itself. */
  async endOpenCalls(): Promise<void> {
    await Promise.all([...this.#links].map((link) => link.endOpenCalls()));
  }

  /** Closes every connection and both listeners; the servers the proxy started are ended. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const socket of this.#sockets) socket.destroy();
    for (const session of this.#sessions.values()) for (const res of session.open) res.destroy();
    await Promise.allSettled([
      ...[...this.#links].map((link) => link.close()),
      ...[...this.#ready.values()].map((spare) => spare.transport.close()),
    ]);
    this.#http.closeAllConnections();
    await Promise.all([
      new Promise((resolve) => this.#relay.close(resolve)),
      new Promise((resolve) => this.#http.close(resolve)),
    ]);
  }

  /** A relay connected: its first line names the run's token and the server; the rest is the stdio stream. */
  #onRelay(socket: Socket): void {
    if (this.#closed) return void socket.destroy();
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(0x0a);
      if (end < 0) {
        if (head.length > 1024) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const [token, name] = head.subarray(0, end).toString('utf8').split(' ');
      const spec = name === undefined ? undefined : this.#specs[name];
      if (token !== this.#token || !spec || name === undefined) return void socket.destroy();
      if (this.#failStart.has(name)) {
        // Recorded before the relay learns it, so the record never depends on when the run ends.
        this.#plan.startFailed(name);
        return void socket.end();
      }
      const rest = head.subarray(end + 1);
      if (rest.length > 0) socket.unshift(rest);
      const sessionId = randomUUID();
      const link = this.#link(name, spec, new StdioServerTransport(socket, socket), 'stdio', () => sessionId, {
        malformed: () => socket.write(`${MALFORMED_MESSAGE}\n`),
        disconnect: () => socket.destroy(),
      });
      void link.start().then(() => socket.resume());
    };
    socket.on('data', onData);
  }

  async #onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = decodeURIComponent((req.url ?? '').split('?')[0]!.replace(/^\/mcp\//, ''));
    const spec = this.#specs[name];
    if (this.#closed || !spec || !(req.url ?? '').startsWith('/mcp/')) {
      res.writeHead(404).end();
      return;
    }
    if (this.#failStart.has(name)) {
      // A server that did not start, behind the lab's proxy: every request, initialize first, gets a 502.
      this.#plan.startFailed(name);
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`Bad Gateway: the MCP server ${name} did not start\n`);
      req.resume();
      return;
    }
    const sessionId = header(req, 'mcp-session-id');
    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
        return;
      }
    }
    let session = sessionId === undefined ? undefined : this.#sessions.get(sessionId);
    if (sessionId !== undefined && !session) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
      return;
    }
    if (!session) {
      // A new session: the SDK's transport checks that this is an initialize request.
      const open = new Set<ServerResponse>();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          this.#sessions.set(id, session!);
        },
        onsessionclosed: (id) => {
          this.#sessions.delete(id);
        },
      });
      const dropAll = () => {
        for (const r of open) r.socket?.destroy();
        void transport.close();
      };
      const link = this.#link(name, spec, transport, 'streamable_http', () => transport.sessionId ?? null, {
        malformed: () => {},
        disconnect: dropAll,
      });
      session = { transport, link, open };
      await link.start();
    }
    session.open.add(res);
    res.on('close', () => session.open.delete(res));
    if (req.method === 'POST' && body && typeof body === 'object' && !Array.isArray(body)) {
      const early = session.link.beginEarly(body as never, {
        malformed: () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(MALFORMED_MESSAGE);
        },
        disconnect: () => res.socket?.destroy(),
      });
      // A fault below JSON-RPC acts on this HTTP exchange itself: the SDK's transport never sees the call.
      if (early && (early.fault?.malformed || early.fault?.disconnect)) return session.link.playEarly(early);
    }
    await session.transport.handleRequest(req, res, body);
  }

  #link(
    name: string,
    spec: McpServerSpec,
    agent: Transport,
    transport: 'stdio' | 'streamable_http',
    sessionId: () => string | null,
    raw: RawOps,
  ): McpLink {
    const ready = this.#ready.get(name);
    this.#ready.delete(name);
    const { transport: upstream, stderrTail } = ready ?? this.#upstream(spec);
    const link = new McpLink({
      server: name,
      agent,
      upstream,
      upstreamStarted: ready !== undefined,
      transport,
      sessionId,
      raw,
      plan: this.#plan,
      recorder: this.#recorder,
      signal: this.#signal,
      onStartFailure: (reason, cause) => {
        if (this.#closed || this.#startFailure) return;
        this.#startFailure = new McpServerStartError({
          server: name,
          scenarioId: this.#scenarioId,
          reason: this.#redact(reason),
          stderrTail: this.#redact(stderrTail()),
          cause,
        });
      },
    });
    this.#links.add(link);
    return link;
  }

  /** A new connection to the real server, with the tail of what it writes to stderr. */
  #upstream(spec: McpServerSpec): Upstream {
    if ('url' in spec) return { transport: new StreamableHTTPClientTransport(new URL(spec.url)), stderrTail: () => '' };
    const [command, ...args] = spec.command;
    const upstream = new StdioClientTransport({
      command: command!,
      args,
      // The SDK's minimal environment (PATH, HOME, ...), never the lab's secrets, plus what the subject gives.
      env: { ...getDefaultEnvironment(), ...spec.env },
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
      stderr: 'pipe',
    });
    let tail = '';
    upstream.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    return { transport: upstream, stderrTail: () => tail.trimEnd() };
  }
}

/** A connection to the real server, and what it wrote to stderr last. */
interface Upstream {
  transport: Transport;
  stderrTail: () => string;
}

/** Starts a server's transport and waits for its answer to a ping (an error answer will do: it is up). */
function answersPing(transport: Transport): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`it did not answer a ping within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    const done = (error?: Error) => {
      clearTimeout(timer);
      transport.onmessage = undefined;
      transport.onclose = undefined;
      transport.onerror = undefined;
      if (error) reject(error);
      else resolve();
    };
    transport.onmessage = (message) => {
      if ((message as { id?: unknown }).id === READY_PING_ID) done();
    };
    transport.onclose = () => done(new Error('it exited before answering'));
    transport.onerror = (error) => done(error);
    transport
      .start()
      .then(() => transport.send({ jsonrpc: '2.0', id: READY_PING_ID, method: 'ping' }))
      .catch((error: unknown) => done(error instanceof Error ? error : new Error(String(error))));
  });
}

/** A server spec the proxy can serve: a non-empty command, or an http(s) URL on loopback (nothing leaves the machine). */
function checkSpec(name: string, spec: McpServerSpec): void {
  const where = `mcp_servers.${name}`;
  if ('command' in spec) {
    if (!Array.isArray(spec.command) || spec.command.length === 0 || typeof spec.command[0] !== 'string')
      throw new ConfigError({
        message: `${where}.command: give the program and its arguments, e.g. ["node", "server.js"]`,
      });
    return;
  }
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new ConfigError({ message: `${where}.url: "${spec.url}" is not a URL; give e.g. http://127.0.0.1:3000/mcp` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError({ message: `${where}.url: a Streamable HTTP server's URL is http:// or https://` });
  if (!LOOPBACK_HOSTS.has(url.hostname))
    throw new ConfigError({
      message: `${where}.url: ${url.hostname} is not on this machine; the lab connects to loopback only (127.0.0.1, localhost, [::1])`,
    });
}

function listen(server: NetServer | Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function portOf(server: NetServer | Server): number {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the MCP proxy is not listening on a TCP port');
  return address.port;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
