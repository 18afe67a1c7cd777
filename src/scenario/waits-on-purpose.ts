import type { Scenario } from '../contracts/scenario.ts';

/**
 * True for a scenario that spends its time waiting on purpose: a hang, a delay, a retry-after, an
 * endless stream, a tool that hangs, waits or blocks, a deadline under 5 s, or a worker run.
 * Throughput benchmarks and load tests leave these out: they would measure the wait, not the lab.
 */
export function waitsOnPurpose(scenario: Scenario): boolean {
  return (
    scenario.deadline_ms < 5000 ||
    scenario.isolation === 'worker' ||
    scenario.model.replies.some(
      (r) => r.fault?.hang || r.fault?.delay_ms || r.fault?.endless || r.fault?.retry_after_ms !== undefined,
    ) ||
    Object.values(scenario.tools).some((fixtures) => fixtures.some((f) => f?.hang || f?.delay_ms || f?.busy_ms))
  );
}
