import type {
  FaultSource,
  McpFault,
  McpServerSite,
  McpSite,
  McpStartFault,
  McpStartVariantFault,
  McpVariantFault,
  ModelFault,
  ModelSite,
  ModelVariantFault,
  ToolFault,
  ToolSite,
  ToolVariantFault,
  VariantFault,
} from '../contracts/fault.ts';
import type { McpScript } from '../contracts/mcp-fault.ts';
import type { ConversationTurn, Scenario, ScriptedReply, ToolFixture } from '../contracts/scenario.ts';
import { ScenarioSetError } from '../errors/scenario-set-error.ts';
import { scriptedFaults } from '../scenario/fault-sites.ts';

/** A fault a run is meant to get: where, what, and who put it there. */
export interface PlannedFault {
  source: FaultSource;
  site: ModelSite | ToolSite | McpSite | McpServerSite;
  fault: ModelFault | ToolFault | McpFault | McpStartFault;
}

/** A fault that cannot be placed: which of the faults (its index in the list), which key, and why. */
export interface PlacementProblem {
  fault: number;
  key: string;
  message: string;
}

/** The keys of a tool fault, in the order a fixture holds them. */
const TOOL_FAULT_KEYS = ['error', 'hang', 'delay_ms', 'busy_ms'] as const;

/** The fault part of a tool fixture, or null when the fixture only returns a result. */
export function toolFaultOf(fixture: ToolFixture | null | undefined): ToolFault | null {
  if (!fixture) return null;
  const fault: ToolFault = {};
  for (const key of TOOL_FAULT_KEYS)
    if (fixture[key] !== undefined) (fault as Record<string, unknown>)[key] = fixture[key];
  return Object.keys(fault).length > 0 ? fault : null;
}

/**
 * True for a model fault that answers a call in the model's place (an error status, a hang, a
 * body that is not JSON): placed at call n it is a request of its own, and the reply the script
 * had for call n moves to call n+1, where a retry finds it. Other faults (a delay, a cut or
 * endless stream) shape the reply of call n itself.
 */
export function answersInPlace(fault: ModelFault): boolean {
  return fault.status !== undefined || fault.hang === true || fault.malformed === true;
}

/** The script with `times` unrolled, one entry per request. */
export function unrollReplies(replies: readonly ScriptedReply[]): ScriptedReply[] {
  return replies.flatMap((reply) => {
    const { times, ...one } = reply;
    return Array.from({ length: times ?? 1 }, () => one);
  });
}

/** How many times the script asks for each tool (what a model-driven subject calls). */
export function scriptedToolCalls(replies: readonly ScriptedReply[]): Map<string, number> {
  const calls = new Map<string, number>();
  for (const reply of unrollReplies(replies))
    for (const call of reply.tool_calls ?? []) calls.set(call.name, (calls.get(call.name) ?? 0) + 1);
  return calls;
}

/**
 * Every fault a scenario's own model script and tool fixtures hold, as the sites they hit (in a
 * conversation with their turn, calls counted within it). Its `mcp` block is left out: the MCP
 * proxy lists the faults it applies itself.
 */
export function scriptFaults(scenario: Scenario): PlannedFault[] {
  return scriptedFaults(scenario)
    .filter((f) => Object.keys(f.fault).length > 0)
    .map(({ site, fault }) => ({ source: 'script', site, fault }));
}

/**
 * Where a scenario made by faultedScenario keeps its faults with their sources: a symbol key,
 * which a copy made by spreading keeps (`{ ...scenario, expected }`) and which no file, record or
 * schema ever sees (JSON and zod leave symbol keys out). It holds the script it was made for, so
 * a copy whose script was changed falls back to reading its own script.
 */
const PLANNED = Symbol('agent-failure-lab.planned-faults');

interface PlanNote {
  replies: Scenario['model']['replies'];
  tools: Scenario['tools'];
  turns: Scenario['turns'];
  mcp: Scenario['mcp'];
  mcp_start: Scenario['mcp_start'];
  planned: PlannedFault[];
}

const scriptPlans = new WeakMap<Scenario, PlannedFault[]>();

/** The faults a run of this scenario is meant to get: its script's, and those a variant or a fuzz trial placed. */
export function plannedFaults(scenario: Scenario): PlannedFault[] {
  const note = (scenario as Scenario & { [PLANNED]?: PlanNote })[PLANNED];
  if (
    note &&
    note.replies === scenario.model.replies &&
    note.tools === scenario.tools &&
    note.turns === scenario.turns &&
    note.mcp === scenario.mcp &&
    note.mcp_start === scenario.mcp_start
  )
    return note.planned;
  let planned = scriptPlans.get(scenario);
  if (!planned) scriptPlans.set(scenario, (planned = scriptFaults(scenario)));
  return planned;
}

/** What placeFaults gives: the baseline's script with the faults in it, or why they cannot be placed. */
export interface Placement {
  replies: ScriptedReply[];
  tools: Record<string, (ToolFixture | null)[]>;
  /** A conversation's turns with the faults in them; undefined for a single-shot scenario. */
  turns: ConversationTurn[] | undefined;
  mcp: McpScript;
  /** The MCP servers asked not to start (the baseline's and the faults'); undefined for none. */
  mcp_start: Scenario['mcp_start'];
  planned: PlannedFault[];
  problems: PlacementProblem[];
}

type Indexed<F> = { fault: F; index: number };
type ScriptFault = ModelVariantFault | ToolVariantFault;

/**
 * Places faults on a baseline's own script (docs/chaos.md, "Where a fault lands"). `model_call: n`
 * is the nth request of the faulted run (of its turn, with `turn`): a fault that answers in the
 * model's place is inserted there, and the baseline's reply moves one call on; a delay or a stream
 * fault shapes the reply the baseline gives at that call. `tool: t, call: n` is the nth call of t
 * (in its turn): its fixture (or the real tool) gets the fault. `mcp: s, tool: t, call: n` is the
 * nth call of t on MCP server s across the run: it goes into the scenario's `mcp` block. Two faults
 * on one call, a call the script never reaches, a conversation's fault without its turn and a
 * single-shot scenario's fault with one are problems, not guesses.
 */
export function placeFaults(
  baseline: Scenario,
  faults: readonly VariantFault[],
  source: FaultSource,
  { toolCalls }: { toolCalls?: ReadonlyMap<string, number> | null } = {},
): Placement {
  const problems: PlacementProblem[] = [];
  const turns = baseline.turns;
  const byScript = new Map<number | undefined, Indexed<ScriptFault>[]>();
  const mcpFaults: Indexed<McpVariantFault>[] = [];
  const startFaults: Indexed<McpStartVariantFault>[] = [];
  faults.forEach((fault, index) => {
    if ('start' in fault) {
      startFaults.push({ fault, index });
      return;
    }
    if ('mcp' in fault) {
      if (fault.turn !== undefined)
        problems.push({
          fault: index,
          key: 'turn',
          message: `an MCP call is counted across the run, not within a turn: remove turn and give call as the nth call of ${fault.tool} on ${fault.mcp} in the whole run (docs/chaos-mcp.md)`,
        });
      else mcpFaults.push({ fault, index });
      return;
    }
    if (turns && fault.turn === undefined) {
      problems.push({
        fault: index,
        key: 'turn',
        message: `the baseline is a conversation (${turns.length} turn${turns.length === 1 ? '' : 's'}): give the fault its turn (turn: 1 to ${turns.length}); calls are counted within the turn (docs/chaos-conversations.md)`,
      });
      return;
    }
    if (!turns && fault.turn !== undefined) {
      problems.push({
        fault: index,
        key: 'turn',
        message: 'turn is for a conversation (a scenario with turns), and the baseline is single-shot: remove turn',
      });
      return;
    }
    if (turns && fault.turn! > turns.length) {
      problems.push({
        fault: index,
        key: 'turn',
        message: `turn ${fault.turn} is never reached: the conversation has ${turns.length} turn${turns.length === 1 ? '' : 's'}; use a turn from 1 to ${turns.length}`,
      });
      return;
    }
    const list = byScript.get(fault.turn) ?? [];
    byScript.set(fault.turn, list);
    list.push({ fault, index });
  });

  const planned: PlannedFault[] = [];
  const place = (
    script: { replies: ScriptedReply[]; tools: Record<string, (ToolFixture | null)[]> },
    turn: number | undefined,
    calls: ReadonlyMap<string, number> | null | undefined,
  ) => {
    const placed = placeOnScript(script, faults, byScript.get(turn) ?? [], source, calls, problems);
    for (const p of placed.planned)
      planned.push(turn === undefined ? p : { ...p, site: { ...p.site, turn } as ModelSite | ToolSite });
    return placed;
  };
  let replies: ScriptedReply[] = baseline.model.replies;
  let tools: Record<string, (ToolFixture | null)[]> = baseline.tools;
  let placedTurns: ConversationTurn[] | undefined;
  if (turns)
    placedTurns = turns.map((t, i) => {
      const placed = place(t, i + 1, undefined);
      // A turn's fixtures hold no null: {} runs the real tool just the same.
      const tools = Object.fromEntries(
        Object.entries(placed.tools).map(([tool, list]) => [tool, list.map((f) => f ?? {})]),
      );
      return { ...t, replies: placed.replies, tools };
    });
  else ({ replies, tools } = place({ replies, tools }, undefined, toolCalls));

  const mcp: McpScript = Object.fromEntries(
    Object.entries(baseline.mcp ?? {}).map(([server, byTool]) => [
      server,
      Object.fromEntries(Object.entries(byTool).map(([tool, list]) => [tool, [...list]])),
    ]),
  );
  // A server asked not to start (by the baseline or a fault here) gets no call: a call's fault on it never applies.
  const mcpStart: Record<string, 'fail'> = { ...baseline.mcp_start };
  const starts = new Map<string, number>();
  for (const { fault, index } of startFaults) {
    const first = starts.get(fault.mcp);
    if (first !== undefined || baseline.mcp_start?.[fault.mcp] !== undefined) {
      problems.push({
        fault: index,
        key: 'start',
        message: `two start faults on MCP server ${fault.mcp} (${first === undefined ? `the baseline's own mcp_start.${fault.mcp}` : `also faults[${first}]`}): a server fails to start once; remove one`,
      });
      continue;
    }
    const scripted = Object.entries(baseline.mcp[fault.mcp] ?? {}).find(([, list]) =>
      list.some((f) => Object.keys(f).length > 0),
    );
    if (scripted) {
      problems.push({
        fault: index,
        key: 'start',
        message: `the baseline's own mcp block faults calls of ${fault.mcp} (mcp.${fault.mcp}.${scripted[0]}), and a server that does not start gets no call: put the start fault on a baseline without them`,
      });
      continue;
    }
    starts.set(fault.mcp, index);
    mcpStart[fault.mcp] = fault.start;
    planned.push({ source, site: { mcp: fault.mcp }, fault: { start: fault.start } });
  }
  const seen = new Map<string, number>();
  for (const { fault, index } of mcpFaults) {
    const { mcp: server, tool, call: n } = fault;
    if (mcpStart[server] !== undefined) {
      const by = starts.get(server);
      problems.push({
        fault: index,
        key: 'mcp',
        message: `MCP server ${server} is asked not to start (${by === undefined ? `the baseline's mcp_start.${server}` : `faults[${by}]`}), so no call reaches it and this fault never applies: remove one of the two`,
      });
      continue;
    }
    const key = `${server}\u0000${tool}\u0000${n}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        fault: index,
        key: 'call',
        message: `two faults on one call (${server} ${tool} call ${n}, also faults[${first}]): one call gets one fault; merge them into one or move one to another call`,
      });
      continue;
    }
    seen.set(key, index);
    if (Object.keys(fault.fault).length === 0) {
      problems.push({
        fault: index,
        key: 'fault',
        message:
          'an empty fault: give result, is_error, jsonrpc_error, delay_ms, hang, malformed, disconnect or tools_changed',
      });
      continue;
    }
    const list = ((mcp[server] ??= {})[tool] ??= []);
    const existing = list[n - 1];
    if (existing && Object.keys(existing).length > 0) {
      problems.push({
        fault: index,
        key: 'call',
        message: `two faults on one call: ${server} ${tool} call ${n} already gets a fault from the baseline's own mcp block (mcp.${server}.${tool}[${n - 1}]); move this one to another call`,
      });
      continue;
    }
    // An empty fault passes a call on to the real server (docs/chaos-mcp.md): the calls before n keep theirs.
    while (list.length < n) list.push({});
    list[n - 1] = fault.fault;
    planned.push({ source, site: { mcp: server, tool, call: n }, fault: fault.fault });
  }
  return {
    replies,
    tools,
    turns: placedTurns,
    mcp,
    mcp_start: Object.keys(mcpStart).length > 0 ? mcpStart : undefined,
    planned,
    problems,
  };
}

/** Places one script's model and tool faults (the scenario's own, or a turn's); problems go to `problems`. */
function placeOnScript(
  script: { replies: readonly ScriptedReply[]; tools: Record<string, (ToolFixture | null)[]> },
  faults: readonly VariantFault[],
  mine: readonly Indexed<ScriptFault>[],
  source: FaultSource,
  toolCalls: ReadonlyMap<string, number> | null | undefined,
  problems: PlacementProblem[],
): { replies: ScriptedReply[]; tools: Record<string, (ToolFixture | null)[]>; planned: PlannedFault[] } {
  const replies: { reply: ScriptedReply; source: FaultSource | null; inserted: boolean }[] = unrollReplies(
    script.replies,
  ).map((reply) => ({ reply, source: reply.fault ? 'script' : null, inserted: false }));
  const baselineCalls = replies.length;
  const modelFaults = mine
    .filter((f): f is Indexed<ModelVariantFault> => 'model_call' in f.fault)
    .sort((a, b) => a.fault.model_call - b.fault.model_call || a.index - b.index);
  const seen = new Map<string, number>();
  const twice = (key: string, index: number, what: string): boolean => {
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, index);
      return false;
    }
    problems.push({
      fault: Math.max(first, index),
      key: 'model_call' in faults[index]! ? 'model_call' : 'call',
      message: `two faults on one call (${what}, also faults[${Math.min(first, index)}]): one call gets one fault; merge them into one or move one to another call`,
    });
    return true;
  };
  for (const { fault, index } of modelFaults) {
    const n = fault.model_call;
    if (twice(`model ${n}`, index, `model_call ${n}`)) continue;
    if (Object.keys(fault.fault).length === 0) {
      problems.push({
        fault: index,
        key: 'fault',
        message: 'an empty fault: give status, hang, malformed, delay_ms, cut_after_chunks or endless',
      });
      continue;
    }
    const at = replies[n - 1];
    if (!at) {
      problems.push({
        fault: index,
        key: 'model_call',
        message: `model_call ${n} is never made: the baseline's script${fault.turn === undefined ? '' : ` for turn ${fault.turn}`} answers ${baselineCalls} model call${baselineCalls === 1 ? '' : 's'}${replies.length > baselineCalls ? ` (${replies.length} with the faults before it)` : ''}, and the run ends after the last; use a call from 1 to ${replies.length}`,
      });
      continue;
    }
    if (at.inserted || at.reply.fault) {
      problems.push({
        fault: index,
        key: 'model_call',
        message: `two faults on one call: model_call ${n} already gets a fault (${at.inserted ? 'another of these faults' : "the baseline's own script"}); move this one to another call`,
      });
      continue;
    }
    if (answersInPlace(fault.fault))
      replies.splice(n - 1, 0, { reply: { fault: fault.fault }, source, inserted: true });
    else replies[n - 1] = { reply: { ...at.reply, fault: fault.fault }, source, inserted: false };
  }

  const tools: Record<string, (ToolFixture | null)[]> = {};
  const toolSources = new Map<string, (FaultSource | null)[]>();
  for (const [tool, fixtures] of Object.entries(script.tools)) {
    tools[tool] = [...fixtures];
    toolSources.set(
      tool,
      fixtures.map((f) => (toolFaultOf(f) ? 'script' : null)),
    );
  }
  mine.forEach(({ fault, index }) => {
    if ('model_call' in fault) return;
    const { tool, call: n, turn: _turn, ...rest } = fault;
    const toolFault = toolFaultOf(rest as ToolFixture);
    if (twice(`tool ${tool} ${n}`, index, `${tool} call ${n}`)) return;
    if (!toolFault) {
      problems.push({
        fault: index,
        key: 'tool',
        message: `no fault for ${tool} call ${n}: give error, hang, delay_ms or busy_ms`,
      });
      return;
    }
    const calls = toolCalls?.get(tool) ?? (toolCalls ? 0 : null);
    if (calls !== null && n > calls) {
      problems.push({
        fault: index,
        key: 'call',
        message: `${tool} call ${n} is never made: the baseline's script${fault.turn === undefined ? '' : ` for turn ${fault.turn}`} asks for ${tool} ${calls === 0 ? 'never' : `${calls} time${calls === 1 ? '' : 's'}`}; use a call from 1 to ${calls}${calls === 0 ? ' after adding a tool call to model.replies' : ''}`,
      });
      return;
    }
    const list = (tools[tool] ??= []);
    const sources = toolSources.get(tool) ?? [];
    toolSources.set(tool, sources);
    while (list.length < n) {
      list.push(null);
      sources.push(null);
    }
    const existing = list[n - 1];
    if (toolFaultOf(existing)) {
      problems.push({
        fault: index,
        key: 'call',
        message: `two faults on one call: ${tool} call ${n} already gets a fault from the baseline's own fixture; move this one to another call`,
      });
      return;
    }
    list[n - 1] = { ...(existing ?? {}), ...toolFault };
    sources[n - 1] = source;
  });

  const planned: PlannedFault[] = [];
  replies.forEach((entry, i) => {
    if (entry.source && entry.reply.fault)
      planned.push({ source: entry.source, site: { model_call: i + 1 }, fault: entry.reply.fault });
  });
  for (const [tool, list] of Object.entries(tools))
    list.forEach((fixture, i) => {
      const fault = toolFaultOf(fixture);
      const from = toolSources.get(tool)?.[i];
      if (fault && from) planned.push({ source: from, site: { tool, call: i + 1 }, fault });
    });
  return { replies: replies.map((r) => r.reply), tools, planned };
}

/** The scenario a variant or a fuzz trial runs: the baseline with its faults placed, under its own id and label. */
export function faultedScenario(
  baseline: Scenario,
  faults: readonly VariantFault[],
  source: FaultSource,
  own: { id: string; description: string; expected: Scenario['expected']; tags?: string[] },
): Scenario {
  const placed = placeFaults(baseline, faults, source);
  if (placed.problems.length > 0)
    throw new ScenarioSetError({
      problems: placed.problems.map((p) => ({
        file: `scenario ${own.id}`,
        path: `faults[${p.fault}].${p.key}`,
        message: p.message,
      })),
    });
  const { variants: _v, fuzz: _f, ...rest } = baseline;
  const scenario: Scenario = {
    ...rest,
    id: own.id,
    description: own.description,
    expected: own.expected,
    tags: own.tags ?? rest.tags,
    model: { ...rest.model, replies: placed.replies },
    tools: placed.tools,
    ...(placed.turns ? { turns: placed.turns } : {}),
    mcp: placed.mcp,
    ...(placed.mcp_start ? { mcp_start: placed.mcp_start } : {}),
  };
  (scenario as Scenario & { [PLANNED]?: PlanNote })[PLANNED] = {
    replies: scenario.model.replies,
    tools: scenario.tools,
    turns: scenario.turns,
    mcp: scenario.mcp,
    mcp_start: scenario.mcp_start,
    planned: placed.planned,
  };
  return scenario;
}
