import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpFault } from '../contracts/mcp-fault.ts';
import type { McpCall } from '../contracts/trace-step.ts';
import type { StepRecorder } from '../execute/step-recorder.ts';
import { sleep } from '../internal/abortable.ts';
import {
  McpUnansweredError,
  McpDisconnectedError,
  McpJsonRpcError,
  McpMalformedMessageError,
  McpToolResultError,
} from './mcp-call-errors.ts';
import type { McpFaultPlan } from './mcp-fault-plan.ts';

/** What the proxy sends instead of a JSON-RPC message for a `malformed` fault. */
export const MALFORMED_MESSAGE = 'lab: this line is not JSON-RPC';

/** The JSON-RPC code of a call refused because the tool's input schema changed (Invalid params). */
const INVALID_PARAMS = -32602;

/** What a transport can do below JSON-RPC: write something that is not JSON-RPC, or drop the connection. */
export interface RawOps {
  malformed(): void;
  disconnect(): void;
}

/** One tools/call on its way through the proxy. */
export interface ProxiedCall {
  readonly id: string | number;
  readonly tool: string;
  readonly fault: McpFault | undefined;
  readonly raw: RawOps;
  /** Set once the step's outcome is known; later answers change nothing. */
  settled: boolean;
  /** Settles once the step has recorded the outcome. */
  recorded: Promise<void>;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

type Message = JSONRPCMessage & {
  id?: string | number;
  method?: string;
  params?: { name?: unknown; arguments?: unknown };
  result?: unknown;
  error?: { code: number; message: string };
};

/**
 * One connection of the agent's MCP client to a server, through the proxy: messages pass both
 * ways unchanged, except each tools/call, which is a tool_call step and may get the scenario's
 * fault (docs/chaos-mcp.md). The agent side and the server side are the SDK's own transports.
 */
export class McpLink {
  readonly server: string;
  readonly #agent: Transport;
  readonly #upstream: Transport;
  readonly #transport: McpCall['transport'];
  readonly #sessionId: () => string | null;
  readonly #raw: RawOps;
  readonly #plan: McpFaultPlan;
  readonly #recorder: StepRecorder;
  readonly #signal: AbortSignal;
  readonly #onStartFailure: (reason: string, cause?: unknown) => void;
  /** Calls sent on to the server, by JSON-RPC id. */
  readonly #pending = new Map<string | number, ProxiedCall>();
  /** Every call not yet settled, by JSON-RPC id: a client that gives up on one cancels it. */
  readonly #open = new Map<string | number, ProxiedCall>();
  /** Calls begun before the agent transport delivered them (Streamable HTTP decides faults on the raw request). */
  readonly #early = new Map<string | number, ProxiedCall>();
  /** The method of each request the agent sent, by id: answers to tools/list are rewritten after tools_changed. */
  readonly #methods = new Map<string | number, string>();
  readonly #upstreamStarted: boolean;
  #initialized = false;
  #closed = false;

  constructor(options: {
    server: string;
    agent: Transport;
    upstream: Transport;
    /** The server side was started already (a server the proxy started and saw answer before the run). */
    upstreamStarted?: boolean;
    transport: McpCall['transport'];
    sessionId: () => string | null;
    raw: RawOps;
    plan: McpFaultPlan;
    recorder: StepRecorder;
    signal: AbortSignal;
    onStartFailure: (reason: string, cause?: unknown) => void;
  }) {
    this.server = options.server;
    this.#agent = options.agent;
    this.#upstream = options.upstream;
    this.#upstreamStarted = options.upstreamStarted ?? false;
    this.#transport = options.transport;
    this.#sessionId = options.sessionId;
    this.#raw = options.raw;
    this.#plan = options.plan;
    this.#recorder = options.recorder;
    this.#signal = options.signal;
    this.#onStartFailure = options.onStartFailure;
  }

  /** Starts the server side, then the agent side (which may deliver messages at once). */
  async start(): Promise<void> {
    this.#upstream.onmessage = (message) => this.#fromServer(message as Message);
    this.#upstream.onclose = () => this.#serverClosed();
    this.#upstream.onerror = (error) => {
      if (!this.#initialized) this.#startFailed(error.message, error);
    };
    this.#agent.onmessage = (message) => this.#fromAgent(message as Message);
    this.#agent.onclose = () => void this.close();
    this.#agent.onerror = () => {};
    try {
      if (!this.#upstreamStarted) await this.#upstream.start();
    } catch (error) {
      this.#startFailed(error instanceof Error ? error.message : String(error), error);
      return;
    }
    await this.#agent.start();
  }

  /**
   * Begins a tools/call before its transport delivers it (Streamable HTTP, where a malformed or
   * disconnect fault acts on the HTTP exchange itself); returns the call, so the caller can tell
   * whether the transport should see it at all.
   */
  beginEarly(message: Message, raw: RawOps): ProxiedCall | null {
    if (!isToolsCall(message)) return null;
    const call = this.#begin(message, raw);
    this.#early.set(message.id!, call);
    return call;
  }

  /** Plays a call begun early whose fault acts below JSON-RPC (the transport never sees it). */
  playEarly(call: ProxiedCall): void {
    this.#early.delete(call.id);
    void this.#play(call, {} as Message);
  }

  /** Ends every call still waiting for its answer as never answered (the run ended, not cut off). */
  async endOpenCalls(): Promise<void> {
    const open = [...this.#open.values()];
    for (const call of open) call.reject(new McpUnansweredError());
    await Promise.all(open.map((call) => call.recorded));
  }

  /** Closes both sides; calls still waiting stay open (the run's end records them as cut off). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([this.#upstream.close(), this.#agent.close()]);
  }

  #fromAgent(message: Message): void {
    if (message.id !== undefined && typeof message.method === 'string') this.#methods.set(message.id, message.method);
    if (message.method === 'notifications/cancelled') {
      // The client gave up on a call (its own timeout, or an abort): that is how the call ended.
      const params = message.params as { requestId?: string | number } | undefined;
      const call = params?.requestId === undefined ? undefined : this.#open.get(params.requestId);
      call?.reject(new McpUnansweredError());
    }
    if (!isToolsCall(message)) {
      this.#toServer(message);
      return;
    }
    const early = this.#early.get(message.id!);
    this.#early.delete(message.id!);
    void this.#play(early ?? this.#begin(message, this.#raw), message);
  }

  /** Counts the call, picks its fault and begins its tool_call step. */
  #begin(message: Message, raw: RawOps): ProxiedCall {
    const tool = String(message.params?.name ?? '');
    const { fault, index } = this.#plan.next(this.server, tool);
    let resolve!: (value: unknown) => void;
    let reject!: (error: Error) => void;
    const outcome = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const call: ProxiedCall = {
      id: message.id!,
      tool,
      fault,
      raw,
      settled: false,
      recorded: Promise.resolve(),
      resolve: (result) => {
        if (call.settled) return;
        call.settled = true;
        this.#open.delete(call.id);
        resolve(result);
      },
      reject: (error) => {
        if (call.settled) return;
        call.settled = true;
        this.#open.delete(call.id);
        reject(error);
      },
    };
    this.#open.set(call.id, call);
    const mcp: McpCall = {
      server: this.server,
      method: 'tools/call',
      request_id: String(message.id),
      session_id: this.#sessionId(),
      transport: this.#transport,
    };
    call.recorded = this.#recorder
      .toolCall(
        { tool, callId: null, declared: true, args: message.params?.arguments ?? {}, mcp },
        () => outcome,
        (step) => {
          if (fault) this.#plan.injected(this.server, tool, index, fault, step);
        },
      )
      .then(
        () => {},
        () => {},
      ); // The step records the failure; the agent learns it from its own client.
    return call;
  }

  async #play(call: ProxiedCall, message: Message): Promise<void> {
    const fault = call.fault;
    if (!fault) {
      this.#pending.set(call.id, call);
      this.#toServer(message);
      return;
    }
    if (fault.tools_changed) {
      this.#plan.changeSchema(this.server, call.tool);
      await this.#toAgent({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' } as JSONRPCMessage, call.id);
    }
    if (fault.delay_ms) {
      try {
        await sleep(fault.delay_ms, this.#signal);
      } catch {
        return; // The run ended while the call waited.
      }
    }
    if (fault.hang) return;
    if (fault.malformed) {
      call.reject(new McpMalformedMessageError());
      call.raw.malformed();
      return;
    }
    if (fault.disconnect) {
      call.reject(new McpDisconnectedError('the proxy closed it (a disconnect fault)'));
      call.raw.disconnect();
      await this.close();
      return;
    }
    if (fault.jsonrpc_error) {
      const { code, message: text } = fault.jsonrpc_error;
      call.reject(new McpJsonRpcError(code, text));
      await this.#toAgent({ jsonrpc: '2.0', id: call.id, error: { code, message: text } } as JSONRPCMessage);
      return;
    }
    if (fault.result !== undefined || fault.is_error) {
      const result = callToolResult(fault.result, fault.is_error === true);
      if (fault.is_error) call.reject(new McpToolResultError(resultText(result)));
      else call.resolve(result);
      await this.#toAgent({ jsonrpc: '2.0', id: call.id, result } as JSONRPCMessage);
      return;
    }
    if (fault.tools_changed) {
      const text = `Invalid params: the input schema of ${call.tool} changed (notifications/tools/list_changed); list the tools again`;
      call.reject(new McpJsonRpcError(INVALID_PARAMS, text));
      await this.#toAgent({
        jsonrpc: '2.0',
        id: call.id,
        error: { code: INVALID_PARAMS, message: text },
      } as JSONRPCMessage);
      return;
    }
    // delay_ms alone: the call goes on to the server.
    this.#pending.set(call.id, call);
    this.#toServer(message);
  }

  #fromServer(message: Message): void {
    const id = message.id;
    if (id !== undefined && typeof message.method !== 'string') {
      const method = this.#methods.get(id);
      this.#methods.delete(id);
      if (method === 'initialize') this.#initialized = true;
      const call = this.#pending.get(id);
      if (call) {
        this.#pending.delete(id);
        if (message.error) call.reject(new McpJsonRpcError(message.error.code, message.error.message));
        else if ((message.result as { isError?: unknown } | undefined)?.isError === true)
          call.reject(new McpToolResultError(resultText(message.result)));
        else call.resolve(message.result);
      }
      if (method === 'tools/list' && message.result) message = this.#plan.rewriteToolList(this.server, message);
    }
    void this.#toAgent(message);
  }

  #serverClosed(): void {
    if (this.#closed) return;
    if (!this.#initialized) this.#startFailed('it closed before answering initialize');
    for (const call of this.#pending.values()) call.reject(new McpDisconnectedError('the server closed'));
    this.#pending.clear();
    // The agent sees what it would see without the proxy: its server went away.
    this.#raw.disconnect();
    void this.close();
  }

  #startFailed(reason: string, cause?: unknown): void {
    if (this.#closed) return;
    this.#onStartFailure(reason, cause);
    this.#raw.disconnect();
    void this.close();
  }

  #toServer(message: Message): void {
    if (this.#closed) return;
    this.#upstream.send(message).catch((error: Error) => {
      if (!this.#initialized) this.#startFailed(error.message, error);
      else this.#serverClosed();
    });
  }

  async #toAgent(message: JSONRPCMessage, relatedRequestId?: string | number): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#agent.send(message, relatedRequestId === undefined ? undefined : { relatedRequestId });
    } catch {
      // The agent went away; its own client has the story.
    }
  }
}

function isToolsCall(message: Message): boolean {
  return message.method === 'tools/call' && message.id !== undefined;
}

/** A `result` fixture as a CallToolResult: a CallToolResult as it is, a string as text, anything else as JSON text. */
function callToolResult(result: unknown, isError: boolean): Record<string, unknown> {
  const base =
    result !== null && typeof result === 'object' && Array.isArray((result as { content?: unknown }).content)
      ? { ...(result as Record<string, unknown>) }
      : {
          content: [
            {
              type: 'text',
              text:
                result === undefined
                  ? isError
                    ? 'tool error'
                    : ''
                  : typeof result === 'string'
                    ? result
                    : JSON.stringify(result),
            },
          ],
        };
  return isError ? { ...base, isError: true } : base;
}

/** The text of a CallToolResult's text contents, for the error message of a tool error result. */
function resultText(result: unknown): string {
  const content = (result as { content?: unknown } | null)?.content;
  if (!Array.isArray(content)) return 'tool error';
  const text = content
    .flatMap((c: { type?: unknown; text?: unknown }) =>
      c?.type === 'text' && typeof c.text === 'string' ? [c.text] : [],
    )
    .join('\n');
  return text || 'tool error';
}
