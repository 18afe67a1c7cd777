import type { InjectedFault } from '../contracts/fault.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { PlannedFault } from './place-faults.ts';

/**
 * The faults a run got, each with the step it hit, known by construction: the scripted server
 * answers the nth request with the nth reply of the script, and the tool runner answers the nth
 * call of a tool with its nth fixture, so the nth model_call step and the nth tool_call step of
 * that tool are where they landed. A fault on a call the run never made was not injected and is
 * left out. Live runs get no scripted model faults. In a conversation, the nth call of a turn is
 * the nth step of that type that carries the turn.
 */
export function injectedFaults(
  planned: readonly PlannedFault[],
  steps: readonly TraceStep[],
  mode: 'scripted' | 'live',
): InjectedFault[] {
  if (planned.length === 0) return [];
  // Calls are counted per turn in a conversation (a step's turn; null outside one), as the scripts count them.
  const modelSteps = new Map<string, number[]>();
  const toolSteps = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, index: number) => {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    list.push(index);
  };
  for (const step of steps) {
    const turn = step.turn ?? '';
    if (step.type === 'model_call') push(modelSteps, `${turn}`, step.index);
    else if (step.type === 'tool_call' && step.declared && !step.mcp)
      push(toolSteps, `${turn}\u0000${step.tool}`, step.index);
  }
  const injected: InjectedFault[] = [];
  for (const { source, site, fault } of planned) {
    if ('mcp' in site) continue; // The MCP proxy lists the faults it applied (mcpFaultSources gives their source).
    const turn = site.turn ?? '';
    if ('model_call' in site) {
      if (mode === 'live') continue;
      const index = modelSteps.get(`${turn}`)?.[site.model_call - 1];
      if (index !== undefined) injected.push({ source, site, step_index: index, step_type: 'model_call', fault });
    } else {
      const index = toolSteps.get(`${turn}\u0000${site.tool}`)?.[site.call - 1];
      if (index !== undefined) injected.push({ source, site, step_index: index, step_type: 'tool_call', fault });
    }
  }
  return injected.sort((a, b) => a.step_index! - b.step_index!);
}

/**
 * The MCP proxy's record of the faults it applied, each with the source that placed it: the
 * proxy knows only the scenario's `mcp` block, so a fault a variant or a fuzz trial put there
 * (a planned fault on the same site) gets that source; the others are the script's.
 */
export function mcpFaultSources(applied: readonly InjectedFault[], planned: readonly PlannedFault[]): InjectedFault[] {
  // A call's site is server, tool and call; a server's own (a start fault) is its name alone.
  const key = (site: { mcp: string; tool?: string; call?: number }) =>
    site.tool === undefined ? site.mcp : `${site.mcp}\u0000${site.tool}\u0000${site.call}`;
  const sources = new Map<string, InjectedFault['source']>();
  for (const { source, site } of planned) if ('mcp' in site) sources.set(key(site), source);
  return applied.map((f) => ('mcp' in f.site ? { ...f, source: sources.get(key(f.site)) ?? f.source } : f));
}
