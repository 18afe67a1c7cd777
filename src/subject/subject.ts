import type OpenAI from 'openai';
import type { z } from 'zod';
import type { Recovery } from './recovery.ts';
import type { ToolSpec } from './tool.ts';

/** The tools a run can call, as the subject declared them; every call is recorded as a step. */
export interface ToolBox {
  /** The declared tools in the shape chat.completions `tools` takes. */
  readonly definitions: OpenAI.Chat.Completions.ChatCompletionTool[];
  /**
   * Calls a tool by name. An undeclared name rejects with UnknownToolError, which the subject may
   * catch. options.signal (e.g. AbortSignal.timeout(ms)) cuts this call short, besides the run's deadline.
   */
  call(name: string, args: unknown, callId?: string, options?: { signal?: AbortSignal }): Promise<unknown>;
}

/**
 * An MCP server a subject's agent uses (docs/chaos-mcp.md): a command the lab starts for each
 * connection (stdio), or the URL of a Streamable HTTP server that runs already (loopback only).
 */
export type McpServerSpec =
  | {
      /** The program and its arguments, e.g. ['node', 'server.js']. */
      readonly command: readonly string[];
      /** Added to the server's environment (the lab passes only a minimal environment of its own). */
      readonly env?: Readonly<Record<string, string>>;
      /** Its working directory (default: the lab's). */
      readonly cwd?: string;
    }
  | { readonly url: string };

/**
 * Where the agent's own MCP client connects for one server: the lab's proxy, which records every
 * tools/call as a tool_call step and plays the scenario's `mcp` faults. Both transports are
 * offered whatever the server's own is: spawn `command` with `args` (stdio), or connect to `url`
 * (Streamable HTTP).
 */
export interface ProxiedMcpServer {
  /** The server's name in the subject's mcp_servers. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly url: string;
}

/** What a subject's run function gets. */
export interface SubjectContext<I> {
  /** The scenario's input, already checked against the subject's input schema. */
  readonly input: I;
  /** The real openai client, pointed at the scripted server (or a live endpoint), recorded and traced. */
  readonly client: OpenAI;
  /** The model name to ask for. */
  readonly model: string;
  readonly tools: ToolBox;
  /** Aborted at the run's deadline: pass it to every openai call and every wait. */
  readonly signal: AbortSignal;
  /** Retry, fallback, compensation, self-heal and escalation helpers, recorded as recovery steps. */
  readonly recovery: Recovery;
  /**
   * The endpoint the client talks to, for a framework's own provider: its base URL, API key and
   * the lab's recording fetch (every exchange through it is a model_call step).
   */
  readonly endpoint: { readonly baseURL: string; readonly apiKey: string; readonly fetch: typeof fetch };
  /**
   * Parses a model reply the subject reads itself (JSON mode, say) against a schema. A reply that
   * breaks it is a validation_error of the model's structured output (source model_output_schema);
   * a schema applied to anything else is the subject's own check (subject_schema).
   */
  parseModelOutput<T>(schema: z.ZodType<T>, value: unknown): T;
  /** Multi-agent subjects say which agent runs from now on; every step records it (null: the subject itself). */
  setAgent(name: string | null): void;
  /** The subject's MCP servers (mcp_servers), by name, as the agent's client reaches them through the lab's proxy. */
  readonly mcp: Readonly<Record<string, ProxiedMcpServer>>;
}

/**
 * One earlier turn of a conversation, as respond gets it: what the user said, and what the subject
 * replied, or the error it threw in that turn (docs/chaos-conversations.md).
 */
export interface ConversationEntry<O = unknown> {
  readonly user: string;
  /** The reply; null when the turn threw. */
  readonly reply: O | null;
  /** The message of what the turn threw; null when it replied. */
  readonly error: string | null;
}

/**
 * A deterministic failing test subject: a small agent, its tools and the shape of its output.
 * It implements run (one input, one output), respond (a conversation: one reply per user turn),
 * or both; a scenario with `turns` needs respond, one without needs run.
 */
export interface Subject<I = unknown, O = unknown> {
  readonly id: string;
  readonly description: string;
  /** Scenario inputs are checked against it when scenarios load. */
  readonly inputSchema: z.ZodType<I>;
  /** The output is checked against it after every run: a failure is a validation_error. */
  readonly outputSchema: z.ZodType<O>;
  readonly tools?: readonly ToolSpec[];
  /**
   * Who decides which tools run: the model, through its tool calls (the default), or the subject's
   * own code. For a model-driven subject, `npm run lab -- scenarios` reports tool fixtures that no
   * scripted reply ever calls for.
   */
  readonly toolsCalledBy?: 'model' | 'subject';
  /**
   * The MCP servers the subject's agent uses, by name (docs/chaos-mcp.md). The lab stands between
   * the agent and each: ctx.mcp says where the agent's client connects. Such a subject runs inline.
   */
  readonly mcp_servers?: Readonly<Record<string, McpServerSpec>>;
  /** True for a command subject: its run is a process, isolated already, so it never runs in a worker thread. */
  readonly runsAsProcess?: boolean;
  /** One run: the scenario's input in, the output out (checked against outputSchema). */
  run?(ctx: SubjectContext<I>): Promise<unknown>;
  /**
   * One turn of a conversation: the user's message and the turns before it in, the reply out
   * (checked against outputSchema). Called once per turn, in order, with the same ctx for the
   * whole conversation (its input, client, tools and signal); a turn's model calls and tool calls
   * are that turn's steps. A turn that throws is recorded and the conversation goes on (the user
   * tries again): history tells the subject which turns failed.
   */
  respond?(message: string, history: readonly ConversationEntry<O>[], ctx: SubjectContext<I>): Promise<O>;
  /** Called once when a conversation ends, however it ended: release what it held (a process, a session). */
  endConversation?(ctx: SubjectContext<I>): Promise<void> | void;
}

/** Identity helper that infers a subject's input and output types. */
export function defineSubject<I, O>(subject: Subject<I, O>): Subject<I, O> {
  return subject;
}
