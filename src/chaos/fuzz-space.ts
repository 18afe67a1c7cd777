import fc from 'fast-check';
import {
  FUZZ_FAULT_KINDS,
  type FuzzFaultKind,
  type McpFault,
  type McpServerSite,
  type McpSite,
  type ModelFault,
  type ModelSite,
  type ToolFault,
  type ToolSite,
  type VariantFault,
} from '../contracts/fault.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import { placeFaults } from './place-faults.ts';

/** The kinds tried only when a scenario's fuzz block names them (docs/chaos.md, the kinds table's "default" column). */
const NAMED_ONLY: ReadonlySet<FuzzFaultKind> = new Set(['status_503', 'stream_endless', 'tool_busy']);

/** The kinds tried when the scenario's fuzz block names none (docs/chaos.md): every other kind, in its order. */
export const DEFAULT_FUZZ_KINDS: readonly FuzzFaultKind[] = FUZZ_FAULT_KINDS.filter((k) => !NAMED_ONLY.has(k));

/** A place `lab fuzz` can put a fault: a model call, a call of a tool (the subject's or an MCP server's), or an MCP server's start. */
export type SearchSite = ModelSite | ToolSite | McpSite | McpServerSite;

/** One kind of fault at one call: the values it may take, the mildest first (shrinking moves down the list). */
export interface SpaceKind {
  kind: FuzzFaultKind;
  values: VariantFault[];
}

/** A call the baseline made, and the kinds of fault that fit it. */
export interface SpaceSite {
  site: SearchSite;
  /** "model_call 2", "get_weather call 1", "mcp weather get_forecast call 1", "mcp weather start"; in a conversation "turn 2 model_call 1", "mcp weather get_forecast call 3 (turn 2)". */
  label: string;
  kinds: SpaceKind[];
}

/** The fault space around a baseline run. */
export interface FuzzSpace {
  sites: SpaceSite[];
}

/** A site as people read it: "model_call 2", "get_weather call 1", "turn 2 model_call 1", "mcp weather get_forecast call 1", "mcp weather start". */
export function siteLabel(site: SearchSite): string {
  if ('mcp' in site) return 'tool' in site ? `mcp ${site.mcp} ${site.tool} call ${site.call}` : `mcp ${site.mcp} start`;
  const where = 'model_call' in site ? `model_call ${site.model_call}` : `${site.tool} call ${site.call}`;
  return site.turn === undefined ? where : `turn ${site.turn} ${where}`;
}

/** A fault's turn, if it was placed in one (an MCP fault never is: the proxy counts a server's calls across the run). */
function turnOf(fault: VariantFault): number | undefined {
  return 'start' in fault ? undefined : fault.turn;
}

/** "turn 2 " for a fault placed in a turn, else "". */
const inTurn = (fault: VariantFault) => (turnOf(fault) === undefined ? '' : `turn ${turnOf(fault)} `);

/** What an MCP fault does, as people read it: "is_error", "jsonrpc_error -32603", "delay 3000 ms", "tools_changed, hang". */
function mcpFaultText(f: McpFault): string {
  return [
    f.is_error ? 'is_error' : f.result !== undefined ? 'result' : '',
    f.jsonrpc_error ? `jsonrpc_error ${f.jsonrpc_error.code}` : '',
    f.tools_changed ? 'tools_changed' : '',
    f.delay_ms !== undefined ? `delay ${f.delay_ms} ms` : '',
    f.hang ? 'hang' : '',
    f.malformed ? 'malformed' : '',
    f.disconnect ? 'disconnect' : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** A fault as people read it: "model_call 2: status 429", "get_weather call 1: error", "mcp weather get_forecast call 1: hang". */
export function faultLabel(fault: VariantFault): string {
  if ('model_call' in fault) {
    const f = fault.fault;
    const what = [
      f.status !== undefined ? `status ${f.status}` : '',
      f.hang ? 'hang' : '',
      f.malformed ? 'malformed' : '',
      f.delay_ms !== undefined ? `delay ${f.delay_ms} ms` : '',
      f.cut_after_chunks !== undefined ? `cut after ${f.cut_after_chunks} chunks` : '',
      f.endless ? 'endless stream' : '',
    ].filter(Boolean);
    return `${inTurn(fault)}model_call ${fault.model_call}: ${what.join(', ')}`;
  }
  if ('start' in fault) return `mcp ${fault.mcp} start: ${fault.start}`;
  if ('mcp' in fault) return `mcp ${fault.mcp} ${fault.tool} call ${fault.call}: ${mcpFaultText(fault.fault)}`;
  const what = [
    fault.error !== undefined ? 'error' : '',
    fault.hang ? 'hang' : '',
    fault.delay_ms !== undefined ? `delay ${fault.delay_ms} ms` : '',
    fault.busy_ms !== undefined ? `busy ${fault.busy_ms} ms` : '',
  ].filter(Boolean);
  return `${inTurn(fault)}${fault.tool} call ${fault.call}: ${what.join(', ')}`;
}

/**
 * The fault space `lab fuzz` searches, derived from what the baseline run did: every model call
 * and every call of a declared tool it made, times every fault kind that fits that call (a stream
 * fault only on a streamed call), narrowed or widened by the scenario's `fuzz` block. Delays come
 * from a short ladder far from the thresholds that decide a label (a tenth of the deadline or of
 * the client's timeout, and twice the deadline), so the same trial gets the same label on a busy
 * machine; a model delay is never as long as the client's timeout, since the client would give
 * up and its retry would take the next reply of the script. In a conversation each site is in a
 * turn (a step's `turn`) and calls are counted within it, as variants place them (docs/chaos.md);
 * `model_calls` in the fuzz block then names calls within a turn. Each `tools/call` of an MCP
 * server's tool is a site counted across the run, as the proxy counts it (docs/chaos-mcp.md), and
 * each server the run called is a site of its own, for a start that fails.
 */
export function fuzzSpace(baseline: Scenario, run: TraceRecord): FuzzSpace {
  const block = baseline.fuzz ?? {};
  const kinds = new Set(block.kinds ?? DEFAULT_FUZZ_KINDS);
  const deadline = baseline.deadline_ms;
  const clientTimeout = baseline.client.timeout_ms;
  const tenth = (ms: number) => Math.max(1, Math.round(ms / 10));
  const toolDelays = block.delays_ms ?? [tenth(deadline), deadline * 2];
  const modelDelays = (block.delays_ms ?? [tenth(Math.min(deadline, clientTimeout ?? deadline)), deadline * 2]).filter(
    (d) => clientTimeout === undefined || d < clientTimeout,
  );
  const sites: SpaceSite[] = [];
  const counts = new Map<string, number>();
  const count = (key: string) => {
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n;
  };
  for (const step of run.steps) {
    if (step.type !== 'model_call') continue;
    const turn = step.turn === null || step.turn === undefined ? {} : { turn: step.turn };
    const n = count(`model\u0000${turn.turn ?? ''}`);
    if (block.model_calls && !block.model_calls.includes(n)) continue;
    const site: ModelSite = { model_call: n, ...turn };
    const model = (fault: ModelFault): VariantFault => ({ model_call: n, ...turn, fault });
    const options: SpaceKind[] = [];
    const add = (kind: FuzzFaultKind, values: VariantFault[]) => {
      if (kinds.has(kind) && values.length > 0) options.push({ kind, values });
    };
    // A retry-after keeps the client's backoff short and fixed: the same trial takes the same time.
    add('status_429', [model({ status: 429, retry_after_ms: 10 })]);
    add('status_500', [model({ status: 500, retry_after_ms: 10 })]);
    add('status_503', [model({ status: 503, retry_after_ms: 10 })]);
    add('status_400', [model({ status: 400 })]);
    add('model_hang', [model({ hang: true })]);
    add('malformed', [model({ malformed: true })]);
    add(
      'model_delay',
      modelDelays.map((delay_ms) => model({ delay_ms })),
    );
    if (step.type === 'model_call' && step.stream) {
      add('stream_cut', [model({ cut_after_chunks: 0 }), model({ cut_after_chunks: 1 })]);
      add('stream_endless', [model({ endless: true })]);
    }
    if (options.length > 0) sites.push({ site, label: siteLabel(site), kinds: options });
  }
  for (const step of run.steps) {
    // A call to an MCP server's tool is not the subject's own tool: its faults are MCP faults.
    if (step.type !== 'tool_call' || !step.declared || step.mcp) continue;
    const turn = step.turn === null || step.turn === undefined ? {} : { turn: step.turn };
    const n = count(`tool\u0000${turn.turn ?? ''}\u0000${step.tool}`);
    if (block.tools && !block.tools.includes(step.tool)) continue;
    const site: ToolSite = { tool: step.tool, call: n, ...turn };
    const tool = (fault: ToolFault): VariantFault => ({ tool: step.tool, call: n, ...turn, ...fault });
    const options: SpaceKind[] = [];
    const add = (kind: FuzzFaultKind, values: VariantFault[]) => {
      if (kinds.has(kind) && values.length > 0) options.push({ kind, values });
    };
    add('tool_error', [tool({ error: `${step.tool} failed (lab fuzz)` })]);
    add('tool_hang', [tool({ hang: true })]);
    add(
      'tool_delay',
      toolDelays.map((delay_ms) => tool({ delay_ms })),
    );
    add(
      'tool_busy',
      toolDelays.map((busy_ms) => tool({ busy_ms })),
    );
    if (options.length > 0) sites.push({ site, label: siteLabel(site), kinds: options });
  }
  const servers: string[] = [];
  for (const step of run.steps) {
    if (step.type !== 'tool_call' || !step.mcp) continue;
    const server = step.mcp.server;
    // Counted across the run, whichever turn or connection the call came in, as the proxy counts it.
    const n = count(`mcp\u0000${server}\u0000${step.tool}`);
    if (block.mcp_servers && !block.mcp_servers.includes(server)) continue;
    if (!servers.includes(server)) servers.push(server);
    if (block.tools && !block.tools.includes(step.tool)) continue;
    // A call the baseline's own mcp block already faults (a control's delay) takes no second fault.
    if (Object.keys(baseline.mcp[server]?.[step.tool]?.[n - 1] ?? {}).length > 0) continue;
    const site: McpSite = { mcp: server, tool: step.tool, call: n };
    const mcp = (fault: McpFault): VariantFault => ({ ...site, fault });
    const options: SpaceKind[] = [];
    const add = (kind: FuzzFaultKind, values: VariantFault[]) => {
      if (kinds.has(kind) && values.length > 0) options.push({ kind, values });
    };
    const failed = `${step.tool} failed (lab fuzz)`;
    add('mcp_is_error', [mcp({ is_error: true, result: failed })]);
    add('mcp_jsonrpc_error', [mcp({ jsonrpc_error: { code: -32603, message: failed } })]);
    add('mcp_hang', [mcp({ hang: true })]);
    add(
      'mcp_delay',
      toolDelays.map((delay_ms) => mcp({ delay_ms })),
    );
    add('mcp_malformed', [mcp({ malformed: true })]);
    add('mcp_disconnect', [mcp({ disconnect: true })]);
    add('mcp_tools_changed', [mcp({ tools_changed: true })]);
    // In a conversation the label names the turn the baseline made the call in; the site counts across the run.
    const label =
      step.turn === null || step.turn === undefined ? siteLabel(site) : `${siteLabel(site)} (turn ${step.turn})`;
    if (options.length > 0) sites.push({ site, label, kinds: options });
  }
  if (kinds.has('mcp_start_fail'))
    for (const server of servers) {
      const site: McpServerSite = { mcp: server };
      sites.push({
        site,
        label: siteLabel(site),
        kinds: [{ kind: 'mcp_start_fail', values: [{ ...site, start: 'fail' }] }],
      });
    }
  return { sites };
}

/**
 * The faults of a set in one order, whatever order they were listed in: by turn, then model calls,
 * then tools by name and call, then MCP calls by server, tool and call, then MCP servers' starts.
 */
export function canonicalFaults(faults: readonly VariantFault[]): VariantFault[] {
  const pad = (n: number) => String(n).padStart(6, '0');
  const key = (f: VariantFault) =>
    `${pad(turnOf(f) ?? 0)} ${
      'model_call' in f
        ? `0 ${pad(f.model_call)}`
        : 'start' in f
          ? `3 ${f.mcp}`
          : 'mcp' in f
            ? `2 ${f.mcp}\u0000${f.tool}\u0000${pad(f.call)}`
            : `1 ${f.tool} ${pad(f.call)}`
    }`;
  return [...faults].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The arbitrary of fault sets (fast-check): at each site, no fault or one of its kinds; from one
 * to `maxFaults` faults; only sets that can be placed on the script. Built so fast-check's own
 * shrinking gives minimal sets: each site shrinks to "no fault" (so every fault it keeps is
 * needed), and a delay shrinks down its ladder (so it is as small as still fails).
 */
export function faultSetArbitrary(
  baseline: Scenario,
  space: FuzzSpace,
  maxFaults: number,
): fc.Arbitrary<VariantFault[]> {
  const sites = space.sites;
  // fc.option shrinks to "no fault" even from a value given as an example (no generation
  // context), and is "no fault" half the time; nested, three quarters, and so on: deep enough
  // that a set holds about two faults however many sites there are.
  const depth = Math.max(1, Math.round(Math.log2(sites.length / 2)));
  const perSite = sites.map((site) => {
    let arbitrary: fc.Arbitrary<VariantFault | null> = fc.oneof(
      ...site.kinds.map((k) =>
        k.values.length === 1
          ? fc.constant(k.values[0]!)
          : fc.integer({ min: 0, max: k.values.length - 1 }).map(
              (i) => k.values[i]!,
              (v) => {
                const i = k.values.indexOf(v as VariantFault);
                if (i < 0) throw new Error('not a value of this kind');
                return i;
              },
            ),
      ),
    );
    for (let i = 0; i < depth; i++) arbitrary = fc.option(arbitrary, { nil: null, freq: 2 });
    return arbitrary;
  });
  return fc
    .tuple(...perSite)
    .map(
      (chosen) => chosen.filter((f): f is VariantFault => f !== null),
      (value) => {
        const faults = value as VariantFault[];
        return sites.map((s) => faults.find((f) => sameSite(f, s.site)) ?? null);
      },
    )
    .filter(
      (faults) =>
        faults.length >= 1 && faults.length <= maxFaults && placeFaults(baseline, faults, 'fuzz').problems.length === 0,
    );
}

function sameSite(fault: VariantFault, site: SearchSite): boolean {
  if ('mcp' in site || 'mcp' in fault) {
    if (!('mcp' in site && 'mcp' in fault) || site.mcp !== fault.mcp) return false;
    if ('start' in fault) return !('tool' in site);
    return 'tool' in site && site.tool === fault.tool && site.call === fault.call;
  }
  if (fault.turn !== site.turn) return false;
  return 'model_call' in fault
    ? 'model_call' in site && site.model_call === fault.model_call
    : 'tool' in site && site.tool === fault.tool && site.call === fault.call;
}
