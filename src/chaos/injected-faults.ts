import type { InjectedFault } from '../contracts/fault.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { PlannedFault } from './place-faults.ts';

/**
 * The faults a run got, each with the step it hit, known by construction: the scripted server
 * answers the nth request with the nth reply of the script, and the tool runner answers the nth
 * call of a tool with its nth fixture, so the nth model_call step and the nth tool_call step of
 * that tool are where they landed. A fault on a call the run never made was not injected and is
 * left out. Live runs get no scripted model faults.
 */
export function injectedFaults(
  planned: readonly PlannedFault[],
  steps: readonly TraceStep[],
  mode: 'scripted' | 'live',
): InjectedFault[] {
  if (planned.length === 0) return [];
  const modelSteps: number[] = [];
  const toolSteps = new Map<string, number[]>();
  for (const step of steps) {
    if (step.type === 'model_call') modelSteps.push(step.index);
    else if (step.type === 'tool_call' && step.declared) {
      let list = toolSteps.get(step.tool);
      if (!list) toolSteps.set(step.tool, (list = []));
      list.push(step.index);
    }
  }
  const injected: InjectedFault[] = [];
  for (const { source, site, fault } of planned) {
    if ('model_call' in site) {
      if (mode === 'live') continue;
      const index = modelSteps[site.model_call - 1];
      if (index !== undefined) injected.push({ source, site, step_index: index, step_type: 'model_call', fault });
    } else {
      const index = toolSteps.get(site.tool)?.[site.call - 1];
      if (index !== undefined) injected.push({ source, site, step_index: index, step_type: 'tool_call', fault });
    }
  }
  return injected.sort((a, b) => a.step_index! - b.step_index!);
}
