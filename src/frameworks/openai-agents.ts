// The adapter between the lab and the OpenAI Agents SDK (@openai/agents): a subject built on the
// SDK gets a Runner whose model calls go through the lab's recorded openai client, function tools
// that run the subject's declared tools as recorded tool_call steps, the running agent named on
// every step, and the SDK's tracing kept on the machine. Subjects import it (and the SDK's classes
// from it); src/subject does not, so ordinary subjects never load the SDK.
//
// It imports the two packages @openai/agents is made of (installed with it, at its exact version)
// rather than @openai/agents itself: the umbrella also loads the realtime package and, on import,
// registers the exporter that sends traces to OpenAI's servers. This way that exporter never
// exists, and a worker run loads the SDK in about half the time.
import {
  context as otelContext,
  type Context,
  type Span as OtelSpan,
  SpanStatusCode,
  trace as otelTrace,
} from '@opentelemetry/api';
import type * as AgentsCore from '@openai/agents-core';
import { markAgent } from '../classify/error-origin.ts';
import type { SubjectContext } from '../subject/index.ts';

type Agent = AgentsCore.Agent<any, any>;

/**
 * Importing the SDK makes its trace provider, which adds process listeners to flush its exporter
 * on the way out: on SIGTERM it then exits with code 0, on SIGINT with 130, and it logs every
 * unhandled rejection. With the lab's processor (below) there is nothing to flush, so the
 * listeners the import added are taken off again, and the process behaves as the lab's code says.
 */
async function importWithoutProcessListeners<T>(load: () => Promise<T>): Promise<T> {
  const events = ['beforeExit', 'SIGINT', 'SIGTERM', 'unhandledRejection'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as 'beforeExit'))]));
  const loaded = await load();
  for (const e of events)
    for (const listener of process.listeners(e as 'beforeExit'))
      if (!before.get(e)!.has(listener)) process.off(e as 'beforeExit', listener);
  return loaded;
}

const [core, { OpenAIProvider }] = await importWithoutProcessListeners(() =>
  Promise.all([import('@openai/agents-core'), import('@openai/agents-openai')]),
);
const { generateTraceId, ModelBehaviorError, Runner, setTraceProcessors, tool } = core;

/** The SDK's classes a subject builds its agents with. */
export const Agent: typeof AgentsCore.Agent = core.Agent;
/** The SDK's MCP clients, for an agent whose tools an MCP server serves (connect them to ctx.mcp: docs/chaos-mcp.md). */
export const MCPServerStdio: typeof AgentsCore.MCPServerStdio = core.MCPServerStdio;
export const MCPServerStreamableHttp: typeof AgentsCore.MCPServerStreamableHttp = core.MCPServerStreamableHttp;
export type { InputGuardrail, OutputGuardrail } from '@openai/agents-core';

/** The instrumentation scope of the spans made from the SDK's own trace. */
const SCOPE = 'agent-failure-lab/openai-agents';

/**
 * The SDK's spans as OpenTelemetry spans, under the span that was active when the SDK's trace
 * started (the run span, when the lab runs the subject in its context): an "invoke_workflow" span for the
 * SDK's trace, and under it only what the lab's own steps do not already show: agents, hand-offs
 * and guardrails (model and tool calls are the lab's model_call and tool_call spans already). No
 * input, output or error text is copied: the SDK's span data holds prompts and replies, which the
 * lab redacts everywhere else.
 */
export class LabTraceProcessor implements AgentsCore.TracingProcessor {
  /** Where each open SDK trace or span sits in OpenTelemetry: its span, or the context its children go under. */
  readonly #open = new Map<string, { traceId: string; context: Context; span: OtelSpan | null }>();

  async onTraceStart(sdkTrace: AgentsCore.Trace): Promise<void> {
    // One span for the SDK's whole run (its "trace"), so every agent of it lands in one OpenTelemetry trace.
    const parent = otelContext.active();
    const span = otelTrace.getTracer(SCOPE).startSpan(
      `invoke_workflow ${sdkTrace.name}`,
      {
        attributes: {
          'gen_ai.operation.name': 'invoke_workflow',
          'gen_ai.provider.name': 'openai',
          'gen_ai.workflow.name': sdkTrace.name,
        },
      },
      parent,
    );
    this.#open.set(sdkTrace.traceId, { traceId: sdkTrace.traceId, context: otelTrace.setSpan(parent, span), span });
  }

  async onTraceEnd(sdkTrace: AgentsCore.Trace): Promise<void> {
    this.#open.get(sdkTrace.traceId)?.span?.end();
    this.#open.delete(sdkTrace.traceId);
  }

  async onSpanStart(span: AgentsCore.Span<any>): Promise<void> {
    const parent = this.#open.get(span.parentId ?? span.traceId) ?? this.#open.get(span.traceId);
    const context = parent?.context ?? otelContext.active();
    const started = startSpanFor(span.spanData, context);
    this.#open.set(span.spanId, {
      traceId: span.traceId,
      context: started ? otelTrace.setSpan(context, started) : context,
      span: started,
    });
  }

  async onSpanEnd(span: AgentsCore.Span<any>): Promise<void> {
    const open = this.#open.get(span.spanId);
    this.#open.delete(span.spanId);
    if (!open?.span) return;
    const data = span.spanData as { type: string; triggered?: boolean; from_agent?: string; to_agent?: string };
    if (data.type === 'guardrail') open.span.setAttribute('lab.guardrail.triggered', data.triggered === true);
    // A hand-off's span learns its target only when the hand-off is done.
    if (data.type === 'handoff') {
      open.span.updateName(`handoff ${data.to_agent ?? ''}`);
      open.span.setAttributes({ 'lab.handoff.from': data.from_agent ?? '', 'lab.handoff.to': data.to_agent ?? '' });
    }
    if (span.error) {
      open.span.setAttribute('error.type', data.type === 'guardrail' ? 'guardrail_tripped' : 'agents_sdk_error');
      open.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    open.span.end();
  }

  /** Ends what the SDK left open of a trace: it never ends the trace of a run that threw. */
  endTrace(traceId: string): void {
    for (const [id, open] of this.#open) {
      if (open.traceId !== traceId) continue;
      open.span?.end();
      this.#open.delete(id);
    }
  }

  /**
   * The SDK shuts its processors down on an unhandled rejection anywhere in the process; this one
   * holds nothing to flush, and must keep working for the runs still going.
   */
  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}

function startSpanFor(data: { type: string; name?: string }, context: Context): OtelSpan | null {
  const tracer = otelTrace.getTracer(SCOPE);
  switch (data.type) {
    case 'agent':
      return tracer.startSpan(
        `invoke_agent ${data.name}`,
        {
          attributes: {
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.provider.name': 'openai',
            'gen_ai.agent.name': data.name ?? '',
          },
        },
        context,
      );
    case 'handoff':
      return tracer.startSpan('handoff', {}, context);
    case 'guardrail':
      return tracer.startSpan(
        `guardrail ${data.name}`,
        { attributes: { 'lab.guardrail.name': data.name ?? '' } },
        context,
      );
    default:
      return null;
  }
}

// The process's only trace processor, set before any run starts. Were @openai/agents imported
// anywhere in the process, its exporter to OpenAI's servers (used whenever OPENAI_API_KEY is set)
// would be replaced here as well.
const processor = new LabTraceProcessor();
setTraceProcessors([processor]);

/** What a subject's run uses: the runner, the declared tools as SDK tools, and a run that names its agents. */
export interface AgentsLab {
  readonly runner: AgentsCore.Runner;
  /** The subject's declared tools (all, or those named) as SDK function tools; each call is a tool_call step. */
  tools(...names: string[]): AgentsCore.FunctionTool<any, any, any>[];
  /**
   * Runs an agent to its final output (a stream is read to its end). In a multi-agent run (the
   * first agent can hand off) the agent running is named on every step (ctx.setAgent on each start
   * and hand-off). An undeclared tool the model asked
   * for is recorded as a tool_call step (declared: false) before the SDK's ModelBehaviorError
   * goes on.
   */
  run<A extends Agent>(
    agent: A,
    input: string,
    options?: { maxTurns?: number; stream?: boolean },
  ): Promise<{ finalOutput: unknown; lastAgent: string }>;
}

/**
 * The SDK wired to one run: its model provider on the lab's recorded openai client (the scenario's
 * retries and timeout hold), Chat Completions or the Responses API, the run's abort signal.
 * `toolErrors: 'report'` is the SDK's default (a failing tool's error goes back to the model as a
 * message); `'throw'` fails the run with the SDK's ToolCallError.
 */
export function agentsLab(
  ctx: SubjectContext<unknown>,
  { useResponses = false, toolErrors = 'report' }: { useResponses?: boolean; toolErrors?: 'report' | 'throw' } = {},
): AgentsLab {
  const provider = new OpenAIProvider({ openAIClient: ctx.client, useResponses });
  // The items of the model's last reply, which an error the SDK throws about it does not carry.
  let lastOutput: readonly unknown[] = [];
  const modelProvider: AgentsCore.ModelProvider = {
    async getModel(name) {
      const model = await provider.getModel(name);
      const recorded: AgentsCore.Model = {
        getResponse: async (request) => {
          const response = await model.getResponse(request);
          lastOutput = response.output;
          return response;
        },
        getStreamedResponse: async function* (request) {
          for await (const event of model.getStreamedResponse(request)) {
            if (event.type === 'response_done') lastOutput = event.response.output;
            yield event;
          }
        },
      };
      return recorded;
    },
  };
  // A trace id of its own, so what the SDK leaves open of this run's trace can be ended with it.
  const traceId = generateTraceId();
  const runner = new Runner({
    modelProvider,
    model: ctx.model,
    traceIncludeSensitiveData: false,
    workflowName: 'agent-failure-lab',
    traceId,
  });
  let current: Agent | null = null;
  // Steps name their agent in a multi-agent run only (one whose first agent can hand off), as for any subject.
  let multiAgent = false;
  const enter = (agent: Agent) => {
    current = agent;
    if (multiAgent) ctx.setAgent(agent.name);
  };
  runner.on('agent_start', (_context, agent) => enter(agent));
  runner.on('agent_handoff', (_context, _from, to) => enter(to));
  const declared = ctx.tools.definitions.flatMap((d) => (d.type === 'function' ? [d.function] : []));
  return {
    runner,
    tools: (...names) =>
      declared
        .filter((d) => names.length === 0 || names.includes(d.name))
        .map((d) =>
          tool({
            name: d.name,
            description: d.description ?? '',
            parameters: (d.parameters ?? { type: 'object', properties: {} }) as any,
            strict: false,
            ...(toolErrors === 'throw' ? { errorFunction: null } : {}),
            execute: (args, _runContext, details) =>
              ctx.tools.call(
                d.name,
                args,
                details?.toolCall?.callId,
                details?.signal ? { signal: details.signal } : undefined,
              ),
          }),
        ),
    async run(agent, input, { maxTurns, stream = false } = {}) {
      multiAgent = agent.handoffs.length > 0;
      await listOwnMcpTools(agent);
      enter(agent);
      try {
        const options = { maxTurns, signal: ctx.signal };
        const result = stream
          ? await runner.run(agent, input, { ...options, stream: true })
          : await runner.run(agent, input, options);
        if ('completed' in result) {
          for await (const _event of result.toStream()) {
            // Read to the end: the stream is where a cut connection surfaces.
          }
          await result.completed;
          if (result.error) throw result.error;
          // A stream cut at the run's deadline just ends: it has no final output to read (the SDK would warn).
          if (ctx.signal.aborted) throw ctx.signal.reason;
        }
        return { finalOutput: result.finalOutput, lastAgent: result.lastAgent?.name ?? agent.name };
      } catch (error) {
        await recordUnknownTool(ctx, error, lastOutput);
        if (current) explainInvalidOutput(error, current, lastOutput);
        explainGuardrail(error, current, multiAgent);
        throw error;
      } finally {
        processor.endTrace(traceId);
      }
    },
  };
}

/**
 * The SDK keeps the MCP tool lists it caches (`cacheToolsList: true`) in one cache for the whole
 * process, keyed by the server's name, and any server of that name that connects or closes empties
 * it (agents-core, mcp.mjs getMcpToolsFromServer and mcpToolCache.mjs). Runs at once in one process
 * whose servers share a name then share that cache: a run may take another run's list and never
 * list its own, and when that run closes, list again in its next turn, through a server that may
 * be gone by then (after a disconnect fault: "Not connected" instead of the tool error the model
 * would have been told). Each server that caches lists its tools here, before the run, into the
 * cache of its own object, which no other run empties: every turn then finds a list, whatever the
 * other runs do (docs/chaos-mcp.md, "One run's tool list (Agents SDK)"). A listing that fails here
 * is left to the SDK's own, in the run, to fail as it would.
 */
async function listOwnMcpTools(agent: Agent): Promise<void> {
  const agents = new Set<Agent>();
  const visit = (a: Agent) => {
    if (agents.has(a)) return;
    agents.add(a);
    for (const h of a.handoffs) visit(h instanceof core.Agent ? h : h.agent);
  };
  visit(agent);
  const servers = new Set([...agents].flatMap((a) => a.mcpServers).filter((s) => s.cacheToolsList));
  for (const server of servers) await server.listTools().catch(() => {});
}

/**
 * The SDK's "Invalid output type" error says what broke only when it may log model data (off by
 * default). The adapter parses the final output against the agent's outputType again and keeps
 * the result as the error's cause (a ZodError, or the SyntaxError of a reply that is not JSON), so
 * the failure's validation issues have paths. The error and its class stay the SDK's.
 */
function explainInvalidOutput(error: unknown, agent: Agent, output: readonly unknown[]): void {
  if (
    !(error instanceof ModelBehaviorError) ||
    !error.message.startsWith('Invalid output type') ||
    error.cause !== undefined
  )
    return;
  const schema = agent.outputType as { safeParse?: (value: unknown) => { success: boolean; error?: unknown } };
  if (typeof schema?.safeParse !== 'function') return;
  const text = output
    .flatMap((item) =>
      (item as { type?: unknown }).type === 'message' ? ((item as { content?: unknown[] }).content ?? []) : [],
    )
    .map((part) =>
      (part as { type?: unknown }).type === 'output_text' ? String((part as { text?: unknown }).text ?? '') : '',
    )
    .join('');
  let cause: unknown;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return;
    cause = parsed.error;
  } catch (parseError) {
    cause = parseError;
  }
  Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
}

/**
 * The SDK says of a tripped guardrail only "Input guardrail triggered: null" (its output info as
 * JSON). The adapter names the guardrail and its agent in the message, and in a multi-agent run
 * ties the error to that agent, so the failure is located there (README, "A subject built on a
 * framework"). The error and its class stay the SDK's.
 */
function explainGuardrail(error: unknown, current: Agent | null, multiAgent: boolean): void {
  if (!(error instanceof Error) || !/GuardrailTripwireTriggered$/.test(error.constructor?.name ?? '')) return;
  const result = (error as { result?: { guardrail?: { name?: unknown }; agent?: { name?: unknown } } }).result;
  const state = (error as { state?: { _currentAgent?: { name?: unknown } } }).state;
  const guardrail = typeof result?.guardrail?.name === 'string' ? result.guardrail.name : null;
  const agentName = [result?.agent?.name, state?._currentAgent?.name, current?.name].find(
    (n): n is string => typeof n === 'string',
  );
  if (guardrail === null || agentName === undefined) return;
  const side = error.constructor.name.replace(/GuardrailTripwireTriggered$/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
  const info = /^[^:]*: (.*)$/.exec(error.message)?.[1];
  const said = info !== undefined && info !== 'null' && info !== 'undefined' ? ` (it said ${info})` : '';
  const message = `${side.toLowerCase()} guardrail "${guardrail}" of agent ${agentName} tripped${said}`;
  if (error.stack?.startsWith(`${error.name}: ${error.message}`))
    error.stack = `${error.name}: ${message}${error.stack.slice(`${error.name}: ${error.message}`.length)}`;
  error.message = message;
  if (multiAgent) markAgent(error, agentName);
}

/** The SDK throws before it dispatches a tool the agent lacks; the lab records the attempt as its own tools do. */
async function recordUnknownTool(
  ctx: SubjectContext<unknown>,
  error: unknown,
  output: readonly unknown[],
): Promise<void> {
  const name =
    error instanceof ModelBehaviorError ? /^Tool (\S+) not found in agent /.exec(error.message)?.[1] : undefined;
  // A tool the subject declared for another agent would run for real: only undeclared names are recorded.
  if (!name || ctx.tools.definitions.some((d) => d.type === 'function' && d.function.name === name)) return;
  const call = output.find(
    (item): item is { type: 'function_call'; name: string; arguments: string; callId: string } =>
      (item as { type?: unknown }).type === 'function_call' && (item as { name?: unknown }).name === name,
  );
  let args: unknown = call?.arguments;
  try {
    args = JSON.parse(call?.arguments ?? '');
  } catch {
    // Kept as the model sent it.
  }
  await ctx.tools.call(name, args, call?.callId).catch(() => {});
}
