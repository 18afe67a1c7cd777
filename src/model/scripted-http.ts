// The scripted model server's HTTP side. It runs in a thread of its own (scripted-server-thread.ts),
// so its answers never wait behind the runs' work, and a run's deadline timer never waits behind
// it; ScriptedModelServer (scripted-server.ts) is the handle the lab's thread holds.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScriptedReply } from '../contracts/scenario.ts';
import type { RequestLogEntry } from './scripted-server.ts';

/** A fixed creation time keeps replies byte-identical from run to run. */
const CREATED = 1_700_000_000;
/** Characters of content per streamed chunk. */
const CHUNK_CHARS = 16;
/** Interval between chunks of an endless stream. */
const ENDLESS_INTERVAL_MS = 5;

/** Grace for a request still open when its run ends: time for the client's abort to arrive. */
const CLOSE_GRACE_MS = 100;

/** A run the server answers: its script, where it stands, and its requests still open. */
export interface RunScript {
  scenarioId: string;
  closeConnections: boolean;
  /** One entry per request (`times` unrolled). */
  replies: ScriptedReply[];
  /** A conversation's scripts, one per turn (`times` unrolled); null for a single-shot scenario. */
  turns: ScriptedReply[][] | null;
}

interface RunState extends RunScript {
  /** Requests so far, every turn counted (reply ids are numbered by it). */
  next: number;
  /** Requests so far in each turn. */
  turnNext: number[];
  open: Set<ServerResponse>;
}

/** The request header that names the turn of a conversation a request belongs to (set by the lab's recording fetch). */
const TURN_HEADER = 'x-lab-turn';

/** What the HTTP side tells its owner. */
export interface ScriptedHttpHooks {
  /** Called first on every request: messages the owner sent before it (a run opened) are taken in. */
  catchUp(): void;
  /** A fault of the scenario, not the subject (an exhausted script). */
  fault(runId: string, text: string): void;
  /** A request of a run arrived, or was answered or closed. */
  request(event: 'request-start' | 'request-end', entry: RequestLogEntry): void;
}

/**
 * A deterministic OpenAI-compatible server on loopback. Each run gets its own base URL
 * (/runs/<run id>/v1) and answers its requests from the scenario's script, in order.
 */
export class ScriptedHttp {
  readonly #server: Server;
  readonly #hooks: ScriptedHttpHooks;
  readonly #runs = new Map<string, RunState>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Responses the server itself destroyed (a run's leftovers), so they are not taken for client aborts. */
  readonly #destroyed = new WeakSet<ServerResponse>();
  readonly url: string;

  private constructor(server: Server, url: string, hooks: ScriptedHttpHooks) {
    this.#server = server;
    this.#hooks = hooks;
    this.url = url;
    server.on('request', (req, res) =>
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) sendError(res, 500, 'scripted model: internal error');
        else this.#destroy(res);
      }),
    );
  }

  /** Starts a server on 127.0.0.1 (a free port unless one is given). */
  static async listen(port: number, hooks: ScriptedHttpHooks): Promise<ScriptedHttp> {
    const server = createServer({ keepAliveTimeout: 5_000 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const { port: bound } = server.address() as AddressInfo;
    return new ScriptedHttp(server, `http://127.0.0.1:${bound}`, hooks);
  }

  /** Registers a run's script; requests to /runs/<runId>/v1 are answered from it. */
  open(runId: string, script: RunScript): void {
    this.#runs.set(runId, { ...script, next: 0, turnNext: (script.turns ?? []).map(() => 0), open: new Set() });
  }

  /** Forgets a run: a request the client just aborted closes within a moment; anything else is ended here. */
  end(runId: string): void {
    const state = this.#runs.get(runId);
    if (!state) return;
    this.#runs.delete(runId);
    for (const res of state.open) {
      const timer = setTimeout(() => this.#destroy(res), CLOSE_GRACE_MS).unref();
      res.once('close', () => clearTimeout(timer));
    }
  }

  #destroy(res: ServerResponse): void {
    this.#destroyed.add(res);
    res.destroy();
  }

  /** Stops listening and closes every connection, hanging ones included. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    for (const run of this.#runs.values()) for (const res of run.open) this.#destroy(res);
    this.#runs.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/runs\/([^/]+)\/v1\/(chat\/completions|responses)$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!match || req.method !== 'POST') return sendError(res, 404, `no route for ${req.method} ${req.url}`);
    const [, runId, route] = match as unknown as [string, string, string];
    this.#hooks.catchUp();
    const run = this.#runs.get(runId);
    if (!run) return sendError(res, 404, `unknown run ${runId}: it has ended`);

    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendError(res, 400, 'request body is not JSON');
    }
    const index = run.next++;
    const entry: RequestLogEntry = {
      runId,
      scenarioId: run.scenarioId,
      path: route,
      reply: index,
      aborted: false,
      completed: false,
    };
    run.open.add(res);
    if (run.closeConnections) res.shouldKeepAlive = false;
    this.#hooks.request('request-start', { ...entry });
    res.on('close', () => {
      run.open.delete(res);
      entry.completed = res.writableFinished;
      entry.aborted = !res.writableFinished && !this.#destroyed.has(res);
      this.#hooks.request('request-end', entry);
    });

    const picked = pick(run, req.headers[TURN_HEADER], index, route);
    if ('fault' in picked) {
      this.#hooks.fault(runId, picked.fault);
      return sendError(res, 500, 'scripted model: script exhausted');
    }
    const reply = picked.reply;
    const fault = reply.fault ?? {};
    if (fault.hang) return; // Left open until the client gives up or the session closes.
    // A reply the server cannot build (one nested past any bound, given by code that skipped the
    // loader) is the lab's fault: recorded and answered at once, never left for the subject's deadline.
    const respond = () => {
      try {
        answer();
      } catch (error) {
        this.#hooks.fault(
          runId,
          `reply #${index + 1} could not be sent (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}): keep the reply within the bounds in docs/scenarios.md`,
        );
        if (!res.headersSent) sendError(res, 500, 'scripted model: the reply could not be built');
        else this.#destroy(res);
      }
    };
    const answer = () => {
      if (res.destroyed) return;
      if (fault.status !== undefined)
        return sendError(res, fault.status, `scripted fault: HTTP ${fault.status}`, fault.retry_after_ms);
      if (fault.malformed) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('{"id": "chatcmpl-malformed", "choices": [{"mess');
      }
      const model = typeof body.model === 'string' ? body.model : 'lab-model';
      if (route === 'responses') return sendJson(res, responsesBody(reply, index, model, body));
      if (body.stream === true) return this.#stream(res, reply, index, model, body);
      sendJson(res, chatBody(reply, index, model, body));
    };
    if (fault.delay_ms) this.#later(fault.delay_ms, respond);
    else respond();
  }

  #stream(
    res: ServerResponse,
    reply: ScriptedReply,
    index: number,
    model: string,
    body: Record<string, unknown>,
  ): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const id = `chatcmpl-scripted-${index + 1}`;
    const chunk = (delta: object, finish: string | null = null, usage?: object) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: CREATED, model, choices: usage ? [] : [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...(usage ? { usage } : {}) })}\n\n`;
    const fault = reply.fault ?? {};
    if (fault.endless) {
      res.write(chunk({ role: 'assistant', content: '' }));
      const tick = () => {
        if (res.destroyed) return;
        res.write(chunk({ content: 'and so on ' }));
        this.#later(ENDLESS_INTERVAL_MS, tick);
      };
      return tick();
    }
    const text = replyText(reply);
    const events = [chunk({ role: 'assistant', content: '' })];
    for (let i = 0; i < text.length; i += CHUNK_CHARS) events.push(chunk({ content: text.slice(i, i + CHUNK_CHARS) }));
    const calls = toolCalls(reply, index);
    calls.forEach((call, i) => events.push(chunk({ tool_calls: [{ index: i, ...call }] })));
    events.push(chunk({}, finishReason(reply)));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) events.push(chunk({}, null, chatUsage(reply, body)));
    if (fault.cut_after_chunks !== undefined) {
      res.write(events.slice(0, fault.cut_after_chunks).join(''));
      // Let the written chunks leave before the connection is destroyed mid-stream.
      return void this.#later(5, () => this.#destroy(res));
    }
    res.end(`${events.join('')}data: [DONE]\n\n`);
  }
}

/**
 * The reply for a run's request: the next of its script, or, in a conversation, the next of the
 * turn the request names; or the fault of a script too short (or a request outside any turn).
 */
function pick(
  run: RunState,
  turnHeader: string | string[] | undefined,
  index: number,
  route: string,
): { reply: ScriptedReply } | { fault: string } {
  if (run.turns === null) {
    const reply = run.replies[index];
    if (reply) return { reply };
    return {
      fault: `request #${index + 1} to /v1/${route}, but the model script has only ${count(run.replies.length)}: add replies to model.replies in the scenario file`,
    };
  }
  const turn = Number(turnHeader);
  if (!Number.isInteger(turn) || turn < 1 || turn > run.turns.length)
    return {
      fault: `request #${index + 1} to /v1/${route} came outside any turn of the conversation (a request made after its turn ended, or through a client that bypasses the lab's fetch): make every model call within respond, through ctx.client or ctx.endpoint.fetch`,
    };
  const replies = run.turns[turn - 1]!;
  const n = run.turnNext[turn - 1]!;
  run.turnNext[turn - 1] = n + 1;
  const reply = replies[n];
  if (reply) return { reply };
  return {
    fault: `request #${n + 1} of turn ${turn} to /v1/${route}, but that turn's script has only ${count(replies.length)}: add replies to turns[${turn - 1}].replies in the scenario file`,
  };
}

function count(n: number): string {
  return `${n} ${n === 1 ? 'reply' : 'replies'}`;
}

/** The script with `times` unrolled, one entry per request. */
export function expandedReplies(replies: readonly ScriptedReply[]): ScriptedReply[] {
  return replies.flatMap((reply) => Array.from({ length: reply.times ?? 1 }, () => reply));
}

function sendJson(res: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, retryAfterMs?: number): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfterMs !== undefined) {
    headers['retry-after-ms'] = String(retryAfterMs);
    headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
  }
  res.writeHead(status, headers);
  res.end(
    JSON.stringify({
      error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'scripted_error', code: String(status) },
    }),
  );
}

function replyText(reply: ScriptedReply): string {
  if (reply.json !== undefined) return JSON.stringify(reply.json);
  return reply.content ?? '';
}

function toolCalls(reply: ScriptedReply, index: number) {
  return (reply.tool_calls ?? []).map((call, i) => ({
    id: call.id ?? `call_${index + 1}_${i + 1}`,
    type: 'function' as const,
    function: {
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
}

function finishReason(reply: ScriptedReply): string {
  return reply.finish_reason ?? (reply.tool_calls?.length ? 'tool_calls' : 'stop');
}

/** Token counts: the script's, or a deterministic estimate of four characters a token. */
function tokens(reply: ScriptedReply, body: Record<string, unknown>): { input: number; output: number } {
  if (reply.usage) return { input: reply.usage.input_tokens, output: reply.usage.output_tokens };
  const prompt = JSON.stringify(body.messages ?? body.input ?? '');
  return {
    input: Math.ceil(prompt.length / 4),
    output: Math.ceil((replyText(reply).length + JSON.stringify(reply.tool_calls ?? []).length) / 4),
  };
}

function chatUsage(reply: ScriptedReply, body: Record<string, unknown>) {
  const t = tokens(reply, body);
  return { prompt_tokens: t.input, completion_tokens: t.output, total_tokens: t.input + t.output };
}

function chatBody(reply: ScriptedReply, index: number, model: string, body: Record<string, unknown>) {
  const calls = toolCalls(reply, index);
  return {
    id: `chatcmpl-scripted-${index + 1}`,
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.content === undefined && reply.json === undefined ? null : replyText(reply),
          refusal: null,
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        finish_reason: finishReason(reply),
        logprobs: null,
      },
    ],
    usage: chatUsage(reply, body),
  };
}

function responsesBody(reply: ScriptedReply, index: number, model: string, body: Record<string, unknown>) {
  const t = tokens(reply, body);
  const text = replyText(reply);
  const output: object[] = [];
  if (reply.content !== undefined || reply.json !== undefined) {
    output.push({
      type: 'message',
      id: `msg_scripted_${index + 1}`,
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    });
  }
  for (const call of toolCalls(reply, index)) {
    output.push({
      type: 'function_call',
      id: `fc_${call.id}`,
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: 'completed',
    });
  }
  const incomplete = reply.finish_reason === 'length';
  return {
    id: `resp_scripted_${index + 1}`,
    object: 'response',
    created_at: CREATED,
    status: incomplete ? 'incomplete' : 'completed',
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    error: null,
    model,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: {
      input_tokens: t.input,
      output_tokens: t.output,
      total_tokens: t.input + t.output,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}
