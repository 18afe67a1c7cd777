import type { ErrorInfo } from '../contracts/common.ts';
import type {
  CheckStep,
  McpCall,
  ModelCallStep,
  RecoveryStep,
  ToolCallStep,
  TraceStep,
  TurnStep,
} from '../contracts/trace-step.ts';
import { type Clock, isoTime } from '../internal/clock.ts';
import { preview, previewText } from '../internal/preview.ts';
import { type Redact, redactedCopy } from '../internal/redact.ts';
import { redactStream } from '../internal/redact-stream.ts';
import { errorInfo } from '../internal/to-error.ts';
import type { ActionHandle, ActionStart, RecoveryLog } from '../recovery/recovery-log.ts';
import { markOrigin } from '../classify/error-origin.ts';
import { errorFailureType, stepFailureType } from '../classify/failure-type.ts';
import { summarizeModelResponse } from './model-response.ts';
import type { ReplaySink } from './replay-log.ts';
import { closeStep, type ResponseIdentity, type StepObserver } from './step-observer.ts';

/**
 * The header the recording fetch adds to a model request made during a turn of a conversation:
 * the scripted server answers it from that turn's script (docs/chaos-conversations.md).
 */
export const TURN_HEADER = 'x-lab-turn';

/** Response bodies past this size are previewed but not parsed for usage and tool calls. */
const MAX_PARSED_BODY_BYTES = 1 << 20;

type Draft = { step: TraceStep; startMs: number; open: boolean };

/**
 * Records a run's steps as it goes (model calls, tool calls, checks) and tells its observer of
 * each (which makes the spans). Once the run is finished the record is frozen: late activity of a
 * subject that ignored its abort signal is not added, so the trace is the run as of its end.
 */
export class StepRecorder implements RecoveryLog {
  readonly #clock: Clock;
  readonly #redact: Redact;
  readonly #observer: StepObserver;
  readonly #drafts: Draft[] = [];
  /** Raw tool results, for grounding checks that count them as sources. */
  readonly toolResults: unknown[] = [];
  /** Where whole exchanges and tool results go, when the run keeps them for replay. */
  readonly #replay: ReplaySink | null;
  #frozen = false;
  /** When the run was cut off at its deadline (set at the cut, before finish): nothing after it is the run's. */
  #cutAtMs: number | null = null;
  #agent: string | null = null;
  #turn: number | null = null;

  constructor({
    clock,
    redact,
    observer,
    replay = null,
  }: { clock: Clock; redact: Redact; observer: StepObserver; replay?: ReplaySink | null }) {
    this.#clock = clock;
    this.#redact = redact;
    this.#observer = observer;
    this.#replay = replay;
  }

  /** Which agent runs from now on (multi-agent subjects); every step records it. */
  setAgent(name: string | null): void {
    this.#agent = name;
  }

  /** The turn of the conversation going on (1 for the first), or null outside a conversation. */
  get turn(): number | null {
    return this.#turn;
  }

  /**
   * Runs one turn of a conversation as a turn step: every step begun meanwhile carries its number,
   * and every model request names it (TURN_HEADER). The turn ends ok with the reply, or in error
   * with what the subject threw (which is rethrown).
   */
  async inTurn<T>(turn: number, user: string, respond: () => Promise<T>): Promise<T> {
    this.#turn = turn;
    const begun = this.#begin<TurnStep>((base) => ({
      ...base,
      type: 'turn',
      name: `turn ${turn}`,
      ended_at: null,
      duration_ms: null,
      status: 'unfinished',
      error: null,
      user: previewText(user, this.#redact, 'string'),
      reply: null,
    }));
    try {
      const reply = await respond();
      if (begun && !this.#closed) {
        begun.step.reply = preview(reply, this.#redact);
        this.#end(begun.draft, 'ok', null);
      }
      return reply;
    } catch (error) {
      if (begun) this.#end(begun.draft, 'error', errorInfo(error, this.#redact));
      throw error;
    } finally {
      if (this.#turn === turn) this.#turn = null;
    }
  }

  /** The steps so far. */
  get steps(): readonly TraceStep[] {
    return this.#drafts.map((d) => d.step);
  }

  #begin<S extends TraceStep>(
    make: (base: Pick<TraceStep, 'index' | 'started_at' | 'span_id' | 'agent' | 'turn'>) => S,
  ): { step: S; draft: Draft } | null {
    if (this.#closed) return null;
    const startMs = this.#clock();
    const step = make({
      index: this.#drafts.length,
      started_at: isoTime(startMs),
      span_id: null,
      agent: this.#agent,
      turn: this.#turn,
    });
    step.span_id = this.#observer.begin(step, startMs);
    const draft: Draft = { step, startMs, open: true };
    this.#drafts.push(draft);
    return { step, draft };
  }

  /** True once the run has ended: at its cut-off, or when it is finished. */
  get #closed(): boolean {
    return this.#frozen || this.#cutAtMs !== null;
  }

  #end(
    draft: Draft,
    status: TraceStep['status'],
    error: ErrorInfo | null,
    response?: ResponseIdentity,
    atMs?: number,
  ): void {
    if (!draft.open || this.#closed) return;
    draft.open = false;
    const endMs = atMs ?? this.#clock();
    closeStep(draft.step, status, error, draft.startMs, endMs, isoTime);
    this.#observer.end(draft.step, endMs, response);
  }

  /**
   * A fetch for the openai client: every HTTP exchange becomes a model_call step. With turnHeader
   * (the scripted server), a request made during a turn names it in TURN_HEADER; a live endpoint
   * never gets the header.
   */
  fetch(runSignal: AbortSignal, { turnHeader = false }: { turnHeader?: boolean } = {}): typeof fetch {
    return async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const body = typeof init?.body === 'string' ? init.body : '';
      const request = parseJson(body) as { model?: unknown; stream?: unknown } | undefined;
      const model = typeof request?.model === 'string' ? request.model : null;
      const api: ModelCallStep['api'] = url.endsWith('/chat/completions')
        ? 'chat.completions'
        : url.endsWith('/responses')
          ? 'responses'
          : 'other';
      const begun = this.#begin<ModelCallStep>((base) => ({
        ...base,
        type: 'model_call',
        name: `chat ${model ?? 'unknown'}`,
        ended_at: null,
        duration_ms: null,
        status: 'unfinished',
        error: null,
        api,
        model,
        stream: request?.stream === true,
        request: previewText(body, this.#redact, 'object'),
        http_status: null,
        response: null,
        finish_reason: null,
        usage: null,
        tool_calls: [],
      }));
      // Every request is tied to the run's deadline, even if the subject forgot to pass the signal.
      const signal = init?.signal ? AbortSignal.any([init.signal, runSignal]) : runSignal;
      let res: Response;
      try {
        res = await globalThis.fetch(input, { ...init, signal, ...(turnHeader ? this.#turnHeaders(input, init) : {}) });
      } catch (error) {
        if (begun) {
          this.#keepExchange(begun.step.index, null, null, null, false);
          this.#end(begun.draft, runSignal.aborted ? 'aborted' : 'error', errorInfo(error, this.#redact));
        }
        throw error;
      }
      // After a cut-off the response is not the run's: the step stays as it was at the cut.
      if (!begun || this.#closed) return res;
      const { step, draft } = begun;
      step.http_status = res.status;
      const contentType = res.headers.get('content-type') ?? '';
      const isStream = contentType.includes('text/event-stream');
      const finish = (text: string, complete: boolean, failure?: unknown) => {
        if (this.#closed) return;
        this.#keepExchange(
          step.index,
          res.status,
          contentType || null,
          text,
          complete && failure === undefined && !runSignal.aborted,
        );
        if (runSignal.aborted)
          return this.#end(draft, 'aborted', failure === undefined ? null : errorInfo(failure, this.#redact));
        // A stream cut short is still worth reading up to the cut; a JSON body only whole.
        const summary =
          (complete || isStream) && text.length <= MAX_PARSED_BODY_BYTES
            ? summarizeModelResponse(text, contentType)
            : null;
        // A stream read no further is still redacted as reassembled, never chunk by chunk.
        step.response = summary
          ? previewText(summary.text, this.#redact, summary.type)
          : previewText(isStream ? redactStream(text, this.#redact) : text, this.#redact, 'string');
        if (summary) {
          step.finish_reason = summary.finishReason;
          step.usage = summary.usage;
          step.tool_calls = summary.toolCalls.map((c) => ({
            id: c.id,
            name: c.name,
            arguments: previewText(c.arguments, this.#redact, 'string'),
          }));
        }
        const identity = summary ? { id: summary.responseId, model: summary.responseModel } : undefined;
        if (failure !== undefined) return this.#end(draft, 'error', errorInfo(failure, this.#redact), identity);
        if (
          complete &&
          !summary &&
          !isStream &&
          contentType.includes('application/json') &&
          text.length <= MAX_PARSED_BODY_BYTES
        ) {
          return this.#end(draft, 'error', malformedBody(this.#redact(text).slice(0, 200)));
        }
        if (res.status >= 400)
          return this.#end(
            draft,
            'error',
            httpError(
              res.status,
              summary?.errorMessage != null ? this.#redact(summary.errorMessage) : this.#redact(text).slice(0, 200),
            ),
            identity,
          );
        this.#end(draft, 'ok', null, identity);
      };
      if (!res.body) {
        finish('', true);
        return res;
      }
      if (!isStream) {
        // A whole JSON body is read here at once, far cheaper than a stream tap; the client reads a copy.
        let text: string;
        try {
          text = await res.text();
        } catch (error) {
          finish('', false, error);
          throw error;
        }
        finish(text, true);
        return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
      }
      return new Response(tap(res.body, finish), {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    };
  }

  /** The request's headers with the turn added (none outside a conversation: the request goes as it was). */
  #turnHeaders(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): { headers?: Headers } {
    if (this.#turn === null) return {};
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set(TURN_HEADER, String(this.#turn));
    return { headers };
  }

  /**
   * Runs a tool call as a tool_call step. An MCP server's tool call (`mcp`) is named as the MCP
   * conventions name its span, "tools/call {tool}"; `onBegin` learns the step's index.
   */
  async toolCall<T>(
    call: { tool: string; callId: string | null; declared: boolean; args: unknown; mcp?: McpCall },
    run: () => Promise<T> | T,
    onBegin?: (stepIndex: number | null) => void,
  ): Promise<T> {
    const begun = this.#begin<ToolCallStep>((base) => ({
      ...base,
      type: 'tool_call',
      name: call.mcp ? `${call.mcp.method} ${call.tool}` : `execute_tool ${call.tool}`,
      ended_at: null,
      duration_ms: null,
      status: 'unfinished',
      error: null,
      tool: call.tool,
      call_id: call.callId,
      declared: call.declared,
      arguments: preview(call.args, this.#redact),
      result: null,
      mcp: call.mcp ?? null,
    }));
    onBegin?.(begun ? begun.step.index : null);
    try {
      const result = await run();
      if (begun && !this.#closed) {
        this.toolResults.push(result);
        begun.step.result = preview(result, this.#redact);
        if (this.#replay && !this.#closed)
          this.#replay.toolResult({
            step_index: begun.step.index,
            tool: call.tool,
            result: redactedCopy(result, this.#redact),
            error: null,
            settled: true,
          });
        this.#end(begun.draft, 'ok', null);
      }
      return result;
    } catch (error) {
      // A ZodError thrown inside a tool is the tool's own schema check, not the model's output.
      markOrigin(error, { from: 'tool', tool: call.tool });
      if (begun) {
        const info = errorInfo(error, this.#redact);
        if (this.#replay && !this.#closed)
          this.#replay.toolResult({
            step_index: begun.step.index,
            tool: call.tool,
            result: null,
            error: info.message,
            settled: true,
          });
        this.#end(begun.draft, 'error', info);
      }
      throw error;
    }
  }

  /** Records a recovery action (ctx.recovery) as a recovery step; its inner steps are those begun before it ends. */
  beginAction(start: ActionStart): ActionHandle | null {
    const trigger = start.triggerStep === null ? null : this.#drafts[start.triggerStep]?.step;
    const message = trigger
      ? trigger.type === 'check'
        ? trigger.detail
        : (trigger.error?.message ?? null)
      : start.triggerError === null || start.triggerError === undefined
        ? null
        : errorInfo(start.triggerError, this.#redact).message;
    const target = this.#redact(start.target);
    const begun = this.#begin<RecoveryStep>((base) => ({
      ...base,
      type: 'recovery',
      name: `recovery ${start.action} ${target}`,
      ended_at: null,
      duration_ms: null,
      status: 'unfinished',
      error: null,
      action: start.action,
      target,
      outcome: null,
      episode: start.episode,
      trigger: {
        step_index: start.triggerStep,
        message,
        failure_type: trigger
          ? stepFailureType(trigger)
          : start.triggerError === null || start.triggerError === undefined
            ? null
            : errorFailureType(start.triggerError),
      },
      inner_steps: [],
      fallback: start.fallback && {
        ...start.fallback,
        id: this.#redact(start.fallback.id),
        name: start.fallback.name === null ? null : this.#redact(start.fallback.name),
      },
      metadata: Object.fromEntries(
        Object.entries(start.metadata).map(([k, v]) => [k, typeof v === 'string' ? this.#redact(v) : v]),
      ),
    }));
    if (!begun) return null;
    return {
      end: (outcome, error) => {
        if (!begun.draft.open || this.#closed) return;
        begun.step.outcome = outcome;
        for (let i = begun.step.index + 1; i < this.#drafts.length; i++) begun.step.inner_steps.push(i);
        this.#end(
          begun.draft,
          outcome === 'failure' ? 'error' : 'ok',
          error === undefined ? null : errorInfo(error, this.#redact),
        );
      },
    };
  }

  /** Records a check the wrapper ran on the output (checks have no span of their own); `turn`: the conversation's turn whose reply it checked. */
  check(
    check: CheckStep['check'],
    name: string,
    passed: boolean,
    detail: string | null,
    turn: number | null = this.#turn,
  ): number {
    const nowMs = this.#clock();
    const now = isoTime(nowMs);
    const index = this.#drafts.length;
    const step: CheckStep = {
      index,
      type: 'check',
      name,
      started_at: now,
      ended_at: now,
      duration_ms: 0,
      status: passed ? 'ok' : 'error',
      error: null,
      span_id: null,
      agent: this.#agent,
      turn,
      check,
      passed,
      detail: detail === null ? null : this.#redact(detail),
    };
    this.#observer.begin(step, nowMs);
    this.#drafts.push({ step, startMs: nowMs, open: false });
    this.#observer.end(step, nowMs);
    return index;
  }

  /**
   * The run was cut off at its deadline, at atMs: from now on nothing is added to its record, and
   * finish closes what is still open as of that moment. The lab's own code after a cut (the abort,
   * the records) runs only when the callbacks queued before it have run, so without this the
   * record would take in whatever the subject did meanwhile (docs/timeouts.md, "How late a cut comes").
   */
  cutAt(atMs: number): void {
    if (!this.#closed) this.#cutAtMs = atMs;
  }

  /** Closes what is still open (aborted if the run was cut off) and freezes the record. */
  finish(aborted: boolean): TraceStep[] {
    // Closed as of the cut, when there was one.
    const atMs = this.#cutAtMs ?? undefined;
    this.#cutAtMs = null;
    for (const draft of this.#drafts)
      if (draft.open) this.#end(draft, aborted ? 'aborted' : 'unfinished', null, undefined, atMs);
    this.#frozen = true;
    return this.#drafts.map((d) => d.step);
  }

  /** Keeps one exchange whole for replay (once per step; the first account of it wins). */
  #keepExchange(
    stepIndex: number,
    status: number | null,
    contentType: string | null,
    body: string | null,
    complete: boolean,
  ): void {
    if (!this.#replay || this.#closed) return;
    this.#replay.exchange({
      step_index: stepIndex,
      status,
      content_type: contentType,
      body:
        body === null
          ? null
          : (contentType ?? '').includes('text/event-stream')
            ? redactStream(body, this.#redact)
            : this.#redact(body),
      complete,
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function malformedBody(start: string): ErrorInfo {
  return {
    class: 'MalformedBodyError',
    name: 'MalformedBodyError',
    message: `the endpoint sent a JSON content-type but the body is not JSON: ${start}`,
    stack: null,
    thrown: 'error',
    code: null,
    status: null,
    cause: null,
  };
}

function httpError(status: number, message: string): ErrorInfo {
  return {
    class: 'HTTPStatusError',
    name: 'HTTPStatusError',
    message: `HTTP ${status}: ${message}`,
    stack: null,
    thrown: 'error',
    code: null,
    status,
    cause: null,
  };
}

/**
 * Passes a body through unchanged while keeping its text, and reports once how it ended:
 * complete, failed (a stream cut mid-way) or cancelled by the reader.
 */
function tap(
  body: ReadableStream<Uint8Array>,
  done: (text: string, complete: boolean, failure?: unknown) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let reported = false;
  const report = (complete: boolean, failure?: unknown) => {
    if (reported) return;
    reported = true;
    done(text + decoder.decode(), complete, failure);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: finished, value } = await reader.read();
        if (finished) {
          report(true);
          controller.close();
          return;
        }
        if (text.length <= MAX_PARSED_BODY_BYTES) text += decoder.decode(value, { stream: true });
        controller.enqueue(value);
      } catch (error) {
        report(false, error);
        controller.error(error);
      }
    },
    async cancel(reason) {
      report(false);
      await reader.cancel(reason);
    },
  });
}
