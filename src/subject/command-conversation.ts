import { type ChildProcess, spawn } from 'node:child_process';
import { APIError } from 'openai';
import { CommandEndpoint } from './command-endpoint.ts';
import { CommandExitError, childEnv, killGroup, STDERR_TAIL_CHARS } from './command-subject.ts';
import type { SubjectContext } from './subject.ts';

/** Beyond this, a reply line is not read further and the turn is an exception. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** How a process ended. */
interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One conversation with a command subject that converses (docs/command-subjects.md, "Conversations"):
 * one process for the whole conversation, the run's endpoint and tools URL in its environment, one
 * JSON line per turn on its stdin ({"turn", "message", "input"}) and one per turn on its stdout
 * ({"reply": value} or {"error": message}). Closing it closes stdin and kills the process group.
 */
export class CommandConversation {
  readonly #child: ChildProcess;
  readonly #endpoint: CommandEndpoint;
  readonly #ctx: SubjectContext<unknown>;
  readonly #lines: string[] = [];
  #partial = '';
  #overflow = false;
  #stderr = '';
  #exit: Exit | null = null;
  #wake: (() => void) | null = null;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess, endpoint: CommandEndpoint, ctx: SubjectContext<unknown>) {
    this.#child = child;
    this.#endpoint = endpoint;
    this.#ctx = ctx;
    child.stdout!.on('data', (b: Buffer) => this.#read(b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => {
      this.#stderr = (this.#stderr + b.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    child.stdin!.on('error', () => {}); // An agent that stops reading closes the pipe early.
    const onAbort = () => killGroup(child);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on('exit', () => killGroup(child));
    this.#exited = new Promise((resolve) => {
      const done = (exit: Exit) => {
        ctx.signal.removeEventListener('abort', onAbort);
        this.#exit ??= exit;
        this.#wake?.();
        resolve();
      };
      child.on('close', (code, signal) => done({ code, signal }));
      child.on('error', () => done({ code: null, signal: null }));
    });
  }

  /** Starts the process with the run's endpoint; it answers turns until close. */
  static async start(argv: readonly string[], cwd: string, ctx: SubjectContext<unknown>): Promise<CommandConversation> {
    const endpoint = await CommandEndpoint.start(ctx);
    const env = childEnv({
      OPENAI_BASE_URL: endpoint.baseURL,
      OPENAI_API_KEY: ctx.endpoint.apiKey,
      OPENAI_MODEL: ctx.model,
      LAB_TOOLS_URL: endpoint.toolsURL,
    });
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    return new CommandConversation(child, endpoint, ctx);
  }

  /**
   * One turn: the message goes out as a line, the reply comes back as a line. A reply line with
   * "error", a process that exits or writes something else before answering, is the turn's error;
   * when the turn's last model exchange was an HTTP error, the error is the openai SDK's class for
   * that status, as for a single-shot command subject.
   */
  async turn(turn: number, message: string): Promise<unknown> {
    this.#endpoint.lastHttpError = null;
    if (!this.#exit) this.#child.stdin!.write(`${JSON.stringify({ turn, message, input: this.#ctx.input })}\n`);
    const line = await this.#nextLine();
    if (this.#endpoint.fault) throw this.#endpoint.fault;
    if (line === null) {
      const exit = this.#exit ?? { code: null, signal: null };
      throw this.#failure(
        new CommandExitError({
          code: this.#overflow ? 'stdout_too_large' : (exit.signal ?? `exit ${exit.code}`),
          message: this.#overflow
            ? `the agent wrote a line of more than ${MAX_LINE_BYTES} bytes on stdout in turn ${turn}`
            : `the agent ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`} before it answered turn ${turn}`,
          stderrTail: this.#stderr.trim(),
        }),
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const answer = parsed as { reply?: unknown; error?: unknown } | undefined;
    if (answer && typeof answer === 'object' && 'reply' in answer) return answer.reply;
    if (answer && typeof answer === 'object' && typeof answer.error === 'string')
      throw this.#failure(new Error(answer.error));
    throw this.#failure(
      new CommandExitError({
        code: 'stdout_not_json',
        message: `the agent's line for turn ${turn} is not {"reply": ...} or {"error": "..."}: ${JSON.stringify(line.slice(0, 200))}`,
        stderrTail: this.#stderr.trim(),
      }),
    );
  }

  /**
   * Ends the conversation: stdin closes and the process group is killed at once. Every turn has
   * been answered by then; waiting for a process that ignores the end of its input would turn a
   * finished conversation into a timeout, and how long it takes to exit is no part of the run.
   */
  async close(): Promise<void> {
    this.#child.stdin!.end();
    killGroup(this.#child);
    await this.#exited;
    this.#endpoint.close();
  }

  /** What the turn's error is: the HTTP error the endpoint sent last, when there was one, naming the class. */
  #failure(error: Error): Error {
    const http = this.#endpoint.lastHttpError;
    if (!http) return error;
    const api = APIError.generate(http.status, http.body as object, undefined, http.headers);
    api.message = `the endpoint answered ${http.status} and then ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`;
    api.cause = error;
    return api;
  }

  #read(text: string): void {
    if (this.#overflow) return;
    this.#partial += text;
    if (this.#partial.length > MAX_LINE_BYTES) {
      this.#overflow = true;
      killGroup(this.#child);
      return;
    }
    let newline = this.#partial.indexOf('\n');
    while (newline >= 0) {
      const line = this.#partial.slice(0, newline).trim();
      this.#partial = this.#partial.slice(newline + 1);
      if (line) this.#lines.push(line);
      newline = this.#partial.indexOf('\n');
    }
    this.#wake?.();
  }

  /** The next line, or null when the process ended without one. */
  async #nextLine(): Promise<string | null> {
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return line;
      if (this.#exit || this.#overflow) return null;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = null;
    }
  }
}
