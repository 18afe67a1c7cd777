import type { FaultSite, ModelFault, ToolFault } from '../contracts/fault.ts';
import type { Scenario, ScriptedReply, ToolFixture } from '../contracts/scenario.ts';

/** A fault a scenario's own script holds, and where. */
export type ScriptedFault =
  | { site: Extract<FaultSite, { model_call: number }>; fault: ModelFault }
  | { site: Extract<FaultSite, { tool: string; call: number; mcp?: never }>; fault: ToolFault };

/**
 * The model script and tool fixtures a fault site of a scenario falls in: the scenario's own, or
 * in a conversation its turn's (docs/chaos-conversations.md). Null when the site names a turn the
 * scenario does not have, or names no turn in a conversation (or one outside it).
 */
export function scriptOf(
  scenario: Scenario,
  turn: number | undefined,
): { replies: ScriptedReply[]; tools: Record<string, (ToolFixture | null)[]> } | null {
  if (!scenario.turns) return turn === undefined ? { replies: scenario.model.replies, tools: scenario.tools } : null;
  if (turn === undefined) return null;
  return scenario.turns[turn - 1] ?? null;
}

/**
 * Every fault a scenario's script holds, with its site: each scripted reply with a fault (one site
 * per request it answers, `times` unrolled) and each tool fixture that fails, hangs, waits or
 * blocks; in a conversation each site carries its turn, and calls are counted within the turn.
 */
export function scriptedFaults(scenario: Scenario): ScriptedFault[] {
  const scripts = scenario.turns
    ? scenario.turns.map((t, i) => ({ turn: (i + 1) as number | undefined, replies: t.replies, tools: t.tools }))
    : [{ turn: undefined, replies: scenario.model.replies, tools: scenario.tools }];
  const found: ScriptedFault[] = [];
  for (const { turn, replies, tools } of scripts) {
    const inTurn = turn === undefined ? {} : { turn };
    let n = 0;
    for (const reply of replies)
      for (let k = 0; k < (reply.times ?? 1); k++) {
        n++;
        if (reply.fault) found.push({ site: { model_call: n, ...inTurn }, fault: reply.fault });
      }
    for (const [tool, fixtures] of Object.entries(tools))
      fixtures.forEach((fixture, i) => {
        if (!fixture) return; // null: the real tool runs.
        const { result: _, ...fault } = fixture;
        if (Object.keys(fault).length > 0) found.push({ site: { tool, call: i + 1, ...inTurn }, fault });
      });
  }
  return found;
}
