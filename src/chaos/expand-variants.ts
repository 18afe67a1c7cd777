import type { Scenario } from '../contracts/scenario.ts';
import type { StaticProblem } from '../scenario/check-scenario.ts';
import { quote } from '../scenario/terminal-text.ts';
import { scriptOf } from '../scenario/fault-sites.ts';
import type { Subject } from '../subject/subject.ts';
import { faultedScenario, placeFaults, scriptedToolCalls } from './place-faults.ts';

/** The id a variant runs under: "<scenario id>/<variant id>". */
export function variantId(scenarioId: string, variant: string): string {
  return `${scenarioId}/${variant}`;
}

/**
 * The scenarios a baseline's variants run as, each "<id>/<variant id>" with its own description
 * and expected, tagged `variant` beside the baseline's tags; and the problems that keep a variant
 * from running (a duplicate id, two faults on one call, a model call the script never reaches),
 * each at the path of the key to fix. A variant with a problem is left out.
 */
export function variantScenarios(baseline: Scenario): { scenarios: Scenario[]; problems: StaticProblem[] } {
  const scenarios: Scenario[] = [];
  const problems: StaticProblem[] = [];
  const ids = new Map<string, number>();
  (baseline.variants ?? []).forEach((variant, i) => {
    const first = ids.get(variant.id);
    if (first !== undefined) {
      problems.push({
        path: ['variants', i, 'id'],
        message: `duplicate variant id ${quote(variant.id)}, also variants[${first}]: rename one (each runs as ${baseline.id}/<variant id>)`,
      });
      return;
    }
    ids.set(variant.id, i);
    const placed = placeFaults(baseline, variant.faults, 'variant');
    if (placed.problems.length > 0) {
      for (const p of placed.problems)
        problems.push({ path: ['variants', i, 'faults', p.fault, p.key], message: p.message });
      return;
    }
    scenarios.push(
      faultedScenario(baseline, variant.faults, 'variant', {
        id: variantId(baseline.id, variant.id),
        description: variant.description,
        expected: variant.expected,
        tags: [...new Set([...baseline.tags, 'variant'])],
      }),
    );
  });
  return { scenarios, problems };
}

/**
 * What the subject tells about a baseline's variants: a tool it does not declare, an MCP server it
 * does not have, and (for a subject whose tools the model calls) a call of a tool the baseline's
 * script (the turn's, for a fault in a turn) never asks for.
 */
export function checkVariantTools(baseline: Scenario, subject: Subject<any, any>): StaticProblem[] {
  const problems: StaticProblem[] = [];
  const declared = (subject.tools ?? []).map((t) => t.name);
  const servers = Object.keys(subject.mcp_servers ?? {});
  const byModel = (subject.toolsCalledBy ?? 'model') === 'model';
  (baseline.variants ?? []).forEach((variant, i) =>
    variant.faults.forEach((fault, j) => {
      if ('model_call' in fault) return;
      if ('mcp' in fault) {
        if (!servers.includes(fault.mcp))
          problems.push({
            path: ['variants', i, 'faults', j, 'mcp'],
            message: `${subject.id} has no MCP server ${quote(fault.mcp)}. Its mcp_servers: ${servers.join(', ') || '(none)'}`,
          });
        return;
      }
      if (!declared.includes(fault.tool)) {
        problems.push({
          path: ['variants', i, 'faults', j, 'tool'],
          message: `${subject.id} declares no tool ${quote(fault.tool)}, so the baseline never calls it. Available tools: ${declared.join(', ') || '(none)'}`,
        });
        return;
      }
      const script = scriptOf(baseline, fault.turn);
      if (!byModel || !script) return; // A turn that does not fit is placeFaults' problem.
      const calls = scriptedToolCalls(script.replies).get(fault.tool) ?? 0;
      const where = fault.turn === undefined ? 'model.replies' : `turns[${fault.turn - 1}].replies`;
      if (fault.call > calls)
        problems.push({
          path: ['variants', i, 'faults', j, 'call'],
          message: `${fault.tool} call ${fault.call} is never made: the baseline's script${fault.turn === undefined ? '' : ` for turn ${fault.turn}`} asks for ${quote(fault.tool)} ${calls === 0 ? 'nowhere' : `${calls} time${calls === 1 ? '' : 's'}`}; use a call from 1 to ${calls}, or add tool calls to ${where}`,
        });
    }),
  );
  return problems;
}
