import type { Scenario } from '../contracts/scenario.ts';

/**
 * True for a scenario that spends its time waiting on purpose: a hang, a delay, a retry-after, an
 * endless stream, a tool that hangs, waits or blocks, an MCP call that hangs, waits or gets no
 * JSON-RPC answer, a deadline under 5 s, or a worker run.
 * Throughput benchmarks and load tests leave these out: they would measure the wait, not the lab.
 */
export function waitsOnPurpose(scenario: Scenario): boolean {
  // A conversation's scripts are its turns'.
  const scripts = [{ replies: scenario.model.replies, tools: scenario.tools }, ...(scenario.turns ?? [])];
  return (
    scenario.deadline_ms < 5000 ||
    scenario.isolation === 'worker' ||
    scripts.some(
      ({ replies, tools }) =>
        replies.some(
          (r) => r.fault?.hang || r.fault?.delay_ms || r.fault?.endless || r.fault?.retry_after_ms !== undefined,
        ) || Object.values(tools).some((fixtures) => fixtures.some((f) => f?.hang || f?.delay_ms || f?.busy_ms)),
    ) ||
    Object.values(scenario.mcp).some((tools) =>
      Object.values(tools).some((faults) => faults.some((f) => f.hang || f.delay_ms || f.malformed)),
    )
  );
}
