import type { FailureRecord } from '../contracts/failure-record.ts';
import type { ReplayExchange } from '../contracts/replay.ts';
import type { ScenarioInput, ScriptedReply, ToolFixture } from '../contracts/scenario.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import { replacesCall } from '../contracts/fault.ts';
import { UsageError } from '../errors/usage-error.ts';
import { expandedReplies } from '../model/scripted-http.ts';
import { summarizeModelResponse } from '../execute/model-response.ts';

/**
 * A scenario that replays a stored failed run deterministically: the scenario it ran (input,
 * checks, client, deadline, isolation), its model exchanges as the script, its tool results as
 * fixtures, and the kind it was detected as as the expected one. The run must have been captured
 * with --record-replies (its record then holds every exchange whole). How each exchange becomes a
 * reply is in the README ("Turning a failure into a regression scenario"). A conversation keeps its
 * turns, each with the exchanges and tool results of that turn.
 */
export function reproduceScenario(
  record: FailureRecord,
  trace: TraceRecord,
  /** The scenario's `$schema`, relative to the folder it is written to (see scenarioSchemaRef). */
  { $schema = '../schemas/scenario.schema.json' }: { $schema?: string } = {},
): ScenarioInput {
  const replay = trace.replay;
  if (!replay) {
    throw new UsageError({
      message: `failure ${record.failure_id}: its run ${trace.trace_id} was captured without its replies, so it cannot be replayed; capture again with --record-replies (the failure's fingerprint ${record.lab.fingerprint} will match) and reproduce the new record`,
    });
  }
  if (replay.exchanges.length === 0) {
    throw new UsageError({
      message: `failure ${record.failure_id}: its run ${trace.trace_id} recorded no model exchange, so a scenario would have no script to replay. Either the run failed before asking the model anything, or the subject talks to the model through a client of its own that the lab does not see: give it ctx.client, or build it from ctx.endpoint (or OPENAI_BASE_URL) as docs/own-agent.md shows, and capture again. A command subject's agent must send its model requests to the OPENAI_BASE_URL the lab gives it (docs/command-subjects.md)`,
    });
  }
  const original = replay.scenario as ScenarioInput;
  // A live run's script says which calls the lab answered or altered (docs/live.md).
  const live =
    trace.run.mode === 'live' && original.model?.replies?.some((r) => r.live)
      ? expandedReplies(original.model.replies as ScriptedReply[])
      : null;
  // A conversation's exchanges and tool results go to the turn their step belongs to (0: no turn).
  const turnOf = (stepIndex: number) => trace.steps[stepIndex]?.turn ?? 0;
  const repliesByTurn = new Map<number, ScriptedReply[]>();
  replay.exchanges.forEach((exchange, i) => {
    const reply = liveReplyOf(live?.[i], replyOf(exchange, trace.steps[exchange.step_index]?.status ?? 'ok'));
    const turn = turnOf(exchange.step_index);
    repliesByTurn.set(turn, [...(repliesByTurn.get(turn) ?? []), reply]);
  });
  const toolsByTurn = new Map<number, Record<string, ToolFixture[]>>();
  for (const result of replay.tool_results) {
    const fixture: ToolFixture = !result.settled
      ? { hang: true }
      : result.error !== null
        ? { error: result.error }
        : { result: result.result };
    const turn = turnOf(result.step_index);
    if (!toolsByTurn.has(turn)) toolsByTurn.set(turn, {});
    (toolsByTurn.get(turn)![result.tool] ??= []).push(fixture);
  }
  const replies = repliesByTurn.get(0) ?? [];
  const tools = toolsByTurn.get(0) ?? {};
  // Turns the run never reached keep their message and no script: the replay ends where the run did.
  const turns = original.turns?.map((t, i) => ({
    user: t.user,
    replies: repliesByTurn.get(i + 1) ?? [],
    tools: toolsByTurn.get(i + 1) ?? {},
  }));
  // A variant runs as "<id>/<variant id>"; a scenario id has no slash.
  const id = `${String(original.id).replace(/\//g, '-')}-repro-${record.failure_id.slice(0, 8)}`;
  return {
    $schema,
    id,
    subject: trace.subject_id,
    description: `Reproduces failure ${record.failure_id} (build ${record.build_id}) of ${original.id}: ${record.failure_description.summary}`,
    expected: trace.detected,
    ...(original.deadline_ms !== undefined ? { deadline_ms: original.deadline_ms } : {}),
    ...(original.isolation !== undefined ? { isolation: original.isolation } : {}),
    ...(original.memory_limit_mb !== undefined ? { memory_limit_mb: original.memory_limit_mb } : {}),
    input: original.input,
    model: { name: original.model?.name ?? trace.model.name, replies },
    ...(original.client ? { client: original.client } : {}),
    ...(Object.keys(tools).length > 0 ? { tools } : {}),
    ...(turns ? { turns } : {}),
    ...(original.grounding ? { grounding: original.grounding } : {}),
    tags: [...new Set([...(original.tags ?? []), 'regression', 'reproduced'])],
  };
}

/**
 * The reply for a call of a live run: as the script gave it when the lab answered it (a scripted
 * reply, or a fault that replaces the call), else what the endpoint recorded, with the fault that
 * altered it kept as a fault (delay_ms, cut_after_chunks). Calls past the script are as recorded.
 */
function liveReplyOf(scripted: ScriptedReply | undefined, recorded: ScriptedReply): ScriptedReply {
  if (!scripted) return recorded;
  const { live, times: _times, ...reply } = scripted;
  if (!live || replacesCall(reply.fault)) return reply;
  return reply.fault ? { ...recorded, fault: { ...recorded.fault, ...reply.fault } } : recorded;
}

/** One exchange as a scripted reply. */
function replyOf(exchange: ReplayExchange, stepStatus: string): ScriptedReply {
  if (exchange.body === null || exchange.status === null) return { fault: { hang: true } };
  if (exchange.status >= 400) return { fault: { status: exchange.status } };
  const stream = (exchange.content_type ?? '').includes('text/event-stream');
  const summary = summarizeModelResponse(exchange.body, exchange.content_type ?? '');
  if (!summary) return { fault: { malformed: true } };
  if (stream && !exchange.complete) {
    // Cut off by the run's deadline: a stream that never ends; broken by the endpoint: cut where it broke.
    if (stepStatus === 'aborted') return { fault: { endless: true } };
    return {
      ...(summary.text ? { content: summary.text } : {}),
      fault: {
        cut_after_chunks: exchange.body.split('\n').filter((l) => l.startsWith('data:') && !l.includes('[DONE]'))
          .length,
      },
    };
  }
  const reply: ScriptedReply = {};
  const text = stream ? summary.text : contentOf(exchange.body);
  if (text !== null) reply.content = text;
  if (summary.toolCalls.length > 0)
    reply.tool_calls = summary.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  const finish = summary.finishReason === 'incomplete' ? 'length' : summary.finishReason;
  if (finish === 'length' || finish === 'content_filter') reply.finish_reason = finish;
  if (summary.usage) reply.usage = summary.usage;
  return reply;
}

/** The assistant text of a whole JSON body: a chat completion's message, or the Responses API's output text. */
function contentOf(body: string): string | null {
  const json = JSON.parse(body) as {
    choices?: { message?: { content?: unknown } }[];
    output?: { type?: string; content?: { type?: string; text?: unknown }[] }[];
  };
  const message = json.choices?.[0]?.message?.content;
  if (typeof message === 'string') return message;
  const texts = (json.output ?? [])
    .filter((o) => o.type === 'message')
    .flatMap((o) => (o.content ?? []).filter((c) => c.type === 'output_text').map((c) => String(c.text ?? '')));
  return texts.length > 0 ? texts.join('') : null;
}
