// The adapter between the lab and the Vercel AI SDK (`ai` with @ai-sdk/openai): a subject built on
// the SDK gets a provider on the lab's recording fetch, the subject's declared tools as AI SDK
// tools (each call a recorded tool_call step), call options that carry the run's signal, the
// scenario's retries and OpenTelemetry, and a check that turns what the SDK ends silently (a step
// limit, and, when asked, an invalid tool call) into a thrown error. Subjects import it;
// src/subject does not, so ordinary subjects never load the SDK.
import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import {
  type Attributes,
  type Context,
  context as otelContext,
  INVALID_SPAN_CONTEXT,
  type Span,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { generateText, jsonSchema, NoSuchToolError, stepCountIs, streamText, tool, type ToolSet } from 'ai';
import { processEnv } from '../execute/run-env.ts';
import { createRedactor, secretsFromEnv } from '../internal/redact.ts';
import { normalizeFinishReason } from '../telemetry/gen-ai-values.ts';
import type { SubjectContext } from '../subject/index.ts';

/** The instrumentation scope of the AI SDK's spans. */
const SCOPE = 'agent-failure-lab/ai-sdk';

/** Thrown when the tool loop reached its step limit while the model still asked for tools (the AI SDK returns normally then). */
export class StepLimitError extends Error {
  readonly steps: number;

  constructor({ steps }: { steps: number }) {
    super(`the agent did not finish within ${steps} steps: its last step still asked for tools`);
    this.name = 'StepLimitError';
    this.steps = steps;
  }
}

/** What to do with a tool call the SDK could not parse (an unknown tool, arguments that are not JSON): the SDK's way, or fail the run with its error. */
export type InvalidToolCalls = 'report' | 'throw';

type GenerateOptions = Parameters<typeof generateText>[0];
type StreamOptions = Parameters<typeof streamText>[0];
type LabOptions = { maxSteps?: number };

/** What a subject's run uses. */
export interface AiSdkLab {
  /** `provider.chat(model)` for Chat Completions, `provider(model)` (or `.responses`) for the Responses API. */
  readonly provider: OpenAIProvider;
  /** The subject's declared tools (all, or those named) as AI SDK tools; each call is a tool_call step. */
  tools(...names: string[]): ToolSet;
  /**
   * generateText with the run's signal, the scenario's retries, telemetry and `stopWhen:
   * stepCountIs(maxSteps)` (default 1). Throws StepLimitError when the last step still asked for
   * tools, and, with invalidToolCalls 'throw', the SDK's NoSuchToolError or InvalidToolInputError.
   */
  generateText(options: GenerateOptions & LabOptions): Promise<Awaited<ReturnType<typeof generateText>>>;
  /** streamText, read to its end (a cut stream throws there), with the same options and checks; resolves to the text. */
  streamText(options: StreamOptions & LabOptions): Promise<string>;
}

/** The AI SDK wired to one run; `agent` names its invoke_agent span (the subject's id, say). */
export function aiSdkLab(
  ctx: SubjectContext<unknown>,
  { invalidToolCalls = 'report', agent = 'ai-sdk-agent' }: { invalidToolCalls?: InvalidToolCalls; agent?: string } = {},
): AiSdkLab {
  const provider = createOpenAI({
    baseURL: ctx.endpoint.baseURL,
    apiKey: ctx.endpoint.apiKey,
    fetch: ctx.endpoint.fetch,
  });
  const declared = ctx.tools.definitions.flatMap((d) => (d.type === 'function' ? [d.function] : []));
  const common = async (maxSteps: number) => ({
    abortSignal: ctx.signal,
    // The scenario's client.max_retries decides, as for the lab's own openai client.
    maxRetries: ctx.client.maxRetries,
    telemetry: await telemetry(agent),
    stopWhen: [stepCountIs(maxSteps), ...(invalidToolCalls === 'throw' ? [hasInvalidToolCall] : [])],
    // An unknown tool is recorded as the lab's own tools record one (a tool_call step, declared: false).
    onStepEnd: async (step: StepLike) => {
      for (const call of invalidCalls([step])) {
        if (NoSuchToolError.isInstance(call.error) && !declared.some((d) => d.name === call.toolName))
          await ctx.tools.call(call.toolName, call.input, call.toolCallId).catch(() => {});
      }
    },
  });
  const check = (steps: readonly StepLike[], finishReason: string, maxSteps: number) => {
    const invalid = invalidCalls(steps)[0];
    if (invalidToolCalls === 'throw' && invalid) throw invalid.error;
    if (finishReason === 'tool-calls' && steps.length >= maxSteps) throw new StepLimitError({ steps: steps.length });
  };
  return {
    provider,
    tools: (...names) =>
      Object.fromEntries(
        declared
          .filter((d) => names.length === 0 || names.includes(d.name))
          .map((d) => [
            d.name,
            tool({
              description: d.description ?? '',
              inputSchema: jsonSchema((d.parameters ?? { type: 'object' }) as any),
              execute: (
                input: unknown,
                { toolCallId, abortSignal }: { toolCallId: string; abortSignal?: AbortSignal },
              ) => ctx.tools.call(d.name, input, toolCallId, abortSignal ? { signal: abortSignal } : undefined),
            }),
          ]),
      ),
    async generateText({ maxSteps = 1, ...options }) {
      const result = await generateText({ ...(await common(maxSteps)), ...options } as GenerateOptions);
      check(result.steps as readonly StepLike[], result.finishReason, maxSteps);
      return result;
    },
    async streamText({ maxSteps = 1, ...options }) {
      const result = streamText({ ...(await common(maxSteps)), ...options } as StreamOptions);
      let text = '';
      for await (const delta of result.textStream) text += delta;
      check((await result.steps) as readonly StepLike[], await result.finishReason, maxSteps);
      return text;
    },
  };
}

/** The part of a step result the checks read. */
type StepLike = {
  content: readonly {
    type: string;
    invalid?: boolean;
    error?: unknown;
    toolName?: string;
    toolCallId?: string;
    input?: unknown;
  }[];
};

function invalidCalls(
  steps: readonly StepLike[],
): { toolName: string; toolCallId: string; input: unknown; error: unknown }[] {
  return steps.flatMap((s) => s.content.filter((p) => p.type === 'tool-call' && p.invalid === true)) as {
    toolName: string;
    toolCallId: string;
    input: unknown;
    error: unknown;
  }[];
}

/** A stop condition: the last step holds a tool call the SDK could not parse. */
function hasInvalidToolCall({ steps }: { steps: readonly unknown[] }): boolean {
  return invalidCalls(steps.slice(-1) as StepLike[]).length > 0;
}

let otel: Promise<typeof import('@ai-sdk/otel')> | undefined;

/**
 * The AI SDK's OpenTelemetry integration (no prompts or replies recorded), on a tracer that
 * redacts the lab's secrets from every span attribute, event and status (the SDK records error
 * messages, which may hold them). Its spans go under the span active when the call starts. Where
 * no tracer provider is registered (a worker thread), spans would go nowhere: @ai-sdk/otel is not
 * even loaded then.
 */
async function telemetry(
  agent: string,
): Promise<
  { recordInputs: false; recordOutputs: false; functionId: string; integrations: unknown[] } | { isEnabled: false }
> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => object };
  if (provider.getDelegate?.().constructor.name === 'NoopTracerProvider') return { isEnabled: false };
  const { OpenTelemetry } = await (otel ??= import('@ai-sdk/otel'));
  return {
    recordInputs: false,
    recordOutputs: false,
    // The agent's name: its span is "invoke_agent {agent}", with gen_ai.agent.name.
    functionId: agent,
    integrations: [
      new OpenTelemetry({ tracer: redactingTracer(trace.getTracer(SCOPE)) as any, agentSpanName: 'functionId' }),
    ],
  };
}

function redactingTracer(inner: Tracer): Tracer {
  // The process's own secrets: a run's view of process.env holds the endpoint's key instead (src/execute/run-env.ts).
  const redact = createRedactor(secretsFromEnv(processEnv()));
  // An attribute is a string or an array of them (or of numbers, booleans): every string is redacted,
  // and finish reasons are said in the one vocabulary spans use.
  const attr = (k: string, v: unknown): any =>
    typeof v === 'string'
      ? redact(v)
      : Array.isArray(v)
        ? v.map((x) =>
            typeof x !== 'string' ? x : k === 'gen_ai.response.finish_reasons' ? normalizeFinishReason(x) : redact(x),
          )
        : v;
  const clean = (attributes: Attributes | undefined) =>
    attributes && Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, attr(k, v)]));
  const wrap = (span: Span): Span =>
    new Proxy(span, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        switch (key) {
          case 'setAttribute':
            return (k: string, v: unknown) => (target.setAttribute(k, attr(k, v)), receiver);
          case 'setAttributes':
            return (a: Attributes) => (target.setAttributes(clean(a)!), receiver);
          case 'addEvent':
            return (name: string, a?: Attributes, time?: any) => (target.addEvent(name, clean(a), time), receiver);
          case 'setStatus':
            return (s: { code: number; message?: string }) => (
              target.setStatus({ ...s, message: s.message === undefined ? undefined : redact(s.message) }), receiver
            );
          case 'recordException':
            return (e: any, time?: any) =>
              target.recordException(
                typeof e === 'string'
                  ? redact(e)
                  : {
                      name: e?.name,
                      message: e?.message === undefined ? undefined : redact(String(e.message)),
                      stack: e?.stack === undefined ? undefined : redact(String(e.stack)),
                    },
                time,
              );
          default:
            return value.bind(target);
        }
      },
    });
  // The SDK's chat and execute_tool spans would repeat the lab's own spans of the same model and
  // tool calls (which carry the attributes the conventions ask for): they are not recorded, and
  // anything the SDK starts under one lands under its parent.
  const duplicate = (options: { attributes?: Attributes } | undefined) =>
    ['chat', 'execute_tool'].includes(String(options?.attributes?.['gen_ai.operation.name']));
  const passThrough = (context: Context | undefined) =>
    trace.wrapSpanContext(trace.getSpanContext(context ?? otelContext.active()) ?? INVALID_SPAN_CONTEXT);
  return {
    startSpan: (name, options, context) =>
      duplicate(options)
        ? passThrough(context)
        : wrap(inner.startSpan(name, options && { ...options, attributes: clean(options.attributes) }, context)),
    startActiveSpan: ((name: string, ...rest: any[]) => {
      const fn = rest.pop();
      if (duplicate(rest[0])) return fn(passThrough(rest[1]));
      return (inner.startActiveSpan as any)(name, ...rest, (span: Span) => fn(wrap(span)));
    }) as Tracer['startActiveSpan'],
  };
}
