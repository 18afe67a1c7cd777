import { type Context, type Span, SpanKind, type Tracer } from '@opentelemetry/api';
import type { ErrorInfo } from '../contracts/common.ts';
import type { CheckStep, ModelCallStep, ToolCallStep, TraceStep } from '../contracts/trace-step.ts';
import { type Clock, isoTime } from '../internal/clock.ts';
import { preview, previewText } from '../internal/preview.ts';
import type { Redact } from '../internal/redact.ts';
import { errorInfo } from '../internal/to-error.ts';
import { endSpan } from '../telemetry/end-span.ts';
import * as attr from '../telemetry/gen-ai-attributes.ts';
import { summarizeModelResponse } from './model-response.ts';

/** Response bodies past this size are previewed but not parsed for usage and tool calls. */
const MAX_PARSED_BODY_BYTES = 1 << 20;

type Draft = { step: TraceStep; span: Span | null; startMs: number; open: boolean };

/**
 * Records a run's steps as it goes (model calls, tool calls, checks), each with its span.
 * Once the run is finished the record is frozen: late activity of a subject that ignored its
 * abort signal is not added, so the trace is the run as of its end.
 */
export class StepRecorder {
  readonly #clock: Clock;
  readonly #tracer: Tracer;
  readonly #parent: Context;
  readonly #redact: Redact;
  readonly #drafts: Draft[] = [];
  /** Raw tool results, for grounding checks that count them as sources. */
  readonly toolResults: unknown[] = [];
  #frozen = false;

  constructor({ clock, tracer, parent, redact }: { clock: Clock; tracer: Tracer; parent: Context; redact: Redact }) {
    this.#clock = clock;
    this.#tracer = tracer;
    this.#parent = parent;
    this.#redact = redact;
  }

  /** The steps so far (snapshots are taken by finish). */
  get steps(): readonly TraceStep[] {
    return this.#drafts.map((d) => d.step);
  }

  #begin<S extends TraceStep>(make: (base: Pick<TraceStep, 'index' | 'started_at' | 'span_id'>) => S, span: Span | null): { step: S; draft: Draft } | null {
    if (this.#frozen) {
      span?.end();
      return null;
    }
    const startMs = this.#clock();
    const step = make({ index: this.#drafts.length, started_at: isoTime(startMs), span_id: span ? span.spanContext().spanId : null });
    const draft: Draft = { step, span, startMs, open: true };
    this.#drafts.push(draft);
    return { step, draft };
  }

  #end(draft: Draft, status: TraceStep['status'], error: ErrorInfo | null, errorType?: string): void {
    if (!draft.open || this.#frozen) return;
    draft.open = false;
    const endMs = this.#clock();
    Object.assign(draft.step, { ended_at: isoTime(endMs), duration_ms: endMs - draft.startMs, status, error });
    if (status === 'aborted' && draft.step.type === 'model_call') {
      // How far a call had got when the run was cut off depends on timing, not on the scenario: keep none of it.
      Object.assign(draft.step, { http_status: null, response: null, finish_reason: null, usage: null, tool_calls: [] });
    }
    if (draft.span) endSpan(draft.span, status === 'ok' ? undefined : { errorType: errorType ?? error?.class ?? status, error });
  }

  /** A fetch for the openai client: every HTTP exchange becomes a model_call step and a "chat {model}" span. */
  fetch(runSignal: AbortSignal): typeof fetch {
    return async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const body = typeof init?.body === 'string' ? init.body : '';
      const request = parseJson(body) as { model?: unknown; stream?: unknown } | undefined;
      const model = typeof request?.model === 'string' ? request.model : null;
      const api: ModelCallStep['api'] = url.endsWith('/chat/completions') ? 'chat.completions' : url.endsWith('/responses') ? 'responses' : 'other';
      const span = this.#frozen
        ? null
        : this.#tracer.startSpan(
            `chat ${model ?? 'unknown'}`,
            { kind: SpanKind.CLIENT, attributes: { [attr.GEN_AI_OPERATION_NAME]: 'chat', [attr.GEN_AI_PROVIDER_NAME]: 'openai', ...(model ? { [attr.GEN_AI_REQUEST_MODEL]: model } : {}) } },
            this.#parent,
          );
      const begun = this.#begin<ModelCallStep>(
        (base) => ({
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
        }),
        span,
      );
      // Every request is tied to the run's deadline, even if the subject forgot to pass the signal.
      const signal = init?.signal ? AbortSignal.any([init.signal, runSignal]) : runSignal;
      let res: Response;
      try {
        res = await globalThis.fetch(input, { ...init, signal });
      } catch (error) {
        if (begun) this.#end(begun.draft, runSignal.aborted ? 'aborted' : 'error', errorInfo(error, this.#redact));
        throw error;
      }
      if (!begun) return res;
      const { step, draft } = begun;
      step.http_status = res.status;
      const finish = (text: string, complete: boolean, failure?: unknown) => {
        if (runSignal.aborted) {
          return this.#end(draft, 'aborted', failure === undefined ? null : errorInfo(failure, this.#redact));
        }
        const contentType = res.headers.get('content-type') ?? '';
        const isStream = contentType.includes('text/event-stream');
        // A stream cut short is still worth reading up to the cut; a JSON body only whole.
        const summary = (complete || isStream) && text.length <= MAX_PARSED_BODY_BYTES ? summarizeModelResponse(text, contentType) : null;
        step.response = previewText(summary?.text ?? text, this.#redact, summary?.type ?? 'string');
        if (summary) {
          step.finish_reason = summary.finishReason;
          step.usage = summary.usage;
          step.tool_calls = summary.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: previewText(c.arguments, this.#redact, 'string') }));
          if (span) setResponseAttributes(span, summary);
        }
        if (failure !== undefined) return this.#end(draft, runSignal.aborted ? 'aborted' : 'error', errorInfo(failure, this.#redact));
        if (complete && !summary && !isStream && contentType.includes('application/json') && text.length <= MAX_PARSED_BODY_BYTES) {
          return this.#end(draft, 'error', malformedBody(this.#redact(text.slice(0, 200))), 'malformed_body');
        }
        if (res.status >= 400) {
          const message = summary?.errorMessage ?? text.slice(0, 200);
          return this.#end(draft, 'error', httpError(res.status, this.#redact(message)), String(res.status));
        }
        this.#end(draft, 'ok', null);
      };
      if (!res.body) {
        finish('', true);
        return res;
      }
      if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
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
      return new Response(tap(res.body, finish), { status: res.status, statusText: res.statusText, headers: res.headers });
    };
  }

  /** Runs a tool call as an "execute_tool {tool}" step. */
  async toolCall<T>(call: { tool: string; callId: string | null; declared: boolean; args: unknown }, run: () => Promise<T> | T): Promise<T> {
    const span = this.#frozen
      ? null
      : this.#tracer.startSpan(
          `execute_tool ${call.tool}`,
          { kind: SpanKind.INTERNAL, attributes: { [attr.GEN_AI_OPERATION_NAME]: 'execute_tool', [attr.GEN_AI_TOOL_NAME]: call.tool, [attr.GEN_AI_TOOL_TYPE]: 'function', ...(call.callId ? { [attr.GEN_AI_TOOL_CALL_ID]: call.callId } : {}) } },
          this.#parent,
        );
    const begun = this.#begin<ToolCallStep>(
      (base) => ({
        ...base,
        type: 'tool_call',
        name: `execute_tool ${call.tool}`,
        ended_at: null,
        duration_ms: null,
        status: 'unfinished',
        error: null,
        tool: call.tool,
        call_id: call.callId,
        declared: call.declared,
        arguments: preview(call.args, this.#redact),
        result: null,
      }),
      span,
    );
    try {
      const result = await run();
      if (begun) {
        this.toolResults.push(result);
        begun.step.result = preview(result, this.#redact);
        this.#end(begun.draft, 'ok', null);
      }
      return result;
    } catch (error) {
      if (begun) this.#end(begun.draft, 'error', errorInfo(error, this.#redact));
      throw error;
    }
  }

  /** Records a check the wrapper ran on the output (no span: checks are events on the run span). */
  check(check: CheckStep['check'], name: string, passed: boolean, detail: string | null): number {
    const now = isoTime(this.#clock());
    const index = this.#drafts.length;
    this.#drafts.push({
      step: { index, type: 'check', name, started_at: now, ended_at: now, duration_ms: 0, status: passed ? 'ok' : 'error', error: null, span_id: null, check, passed, detail: detail === null ? null : this.#redact(detail) },
      span: null,
      startMs: 0,
      open: false,
    });
    return index;
  }

  /** Closes what is still open (aborted if the run was cut off) and freezes the record. */
  finish(aborted: boolean): TraceStep[] {
    for (const draft of this.#drafts) if (draft.open) this.#end(draft, aborted ? 'aborted' : 'unfinished', null, aborted ? 'aborted' : 'unfinished');
    this.#frozen = true;
    return this.#drafts.map((d) => d.step);
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
  return { class: 'MalformedBodyError', name: 'MalformedBodyError', message: `the endpoint sent a JSON content-type but the body is not JSON: ${start}`, stack: null, thrown: 'error', code: null, status: null, cause: null };
}

function httpError(status: number, message: string): ErrorInfo {
  return { class: 'HTTPStatusError', name: 'HTTPStatusError', message: `HTTP ${status}: ${message}`, stack: null, thrown: 'error', code: null, status, cause: null };
}

function setResponseAttributes(span: Span, summary: NonNullable<ReturnType<typeof summarizeModelResponse>>): void {
  if (summary.responseModel) span.setAttribute(attr.GEN_AI_RESPONSE_MODEL, summary.responseModel);
  if (summary.responseId) span.setAttribute(attr.GEN_AI_RESPONSE_ID, summary.responseId);
  if (summary.finishReason) span.setAttribute(attr.GEN_AI_RESPONSE_FINISH_REASONS, [summary.finishReason]);
  if (summary.usage) {
    span.setAttribute(attr.GEN_AI_USAGE_INPUT_TOKENS, summary.usage.input_tokens);
    span.setAttribute(attr.GEN_AI_USAGE_OUTPUT_TOKENS, summary.usage.output_tokens);
  }
}

/**
 * Passes a body through unchanged while keeping its text, and reports once how it ended:
 * complete, failed (a stream cut mid-way) or cancelled by the reader.
 */
function tap(body: ReadableStream<Uint8Array>, done: (text: string, complete: boolean, failure?: unknown) => void): ReadableStream<Uint8Array> {
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

