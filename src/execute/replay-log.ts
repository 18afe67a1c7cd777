import type { Replay, ReplayExchange, ReplayToolResult } from '../contracts/replay.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import { type Redact, redactedCopy } from '../internal/redact.ts';

/** Where a recorder sends what it keeps for replay: a log inline, the main thread from a worker. */
export interface ReplaySink {
  exchange(entry: ReplayExchange): void;
  toolResult(entry: ReplayToolResult): void;
}

/** Collects a run's exchanges and tool results whole (capture --record-replies). */
export class ReplayLog implements ReplaySink {
  readonly #exchanges = new Map<number, ReplayExchange>();
  readonly #toolResults = new Map<number, ReplayToolResult>();

  /** The first account of an exchange wins (a cut-off call is reported once, as it ended). */
  exchange(entry: ReplayExchange): void {
    if (!this.#exchanges.has(entry.step_index)) this.#exchanges.set(entry.step_index, entry);
  }

  toolResult(entry: ReplayToolResult): void {
    if (!this.#toolResults.has(entry.step_index)) this.#toolResults.set(entry.step_index, entry);
  }

  /**
   * The replay of a finished run: a call still open at its end never answered (replayed as a hang).
   * The scenario is redacted like every value the lab keeps: its input, replies and fixtures may hold a secret.
   */
  toReplay(scenario: Scenario, steps: readonly TraceStep[], redact: Redact): Replay {
    for (const step of steps) {
      if (step.type === 'model_call')
        this.exchange({ step_index: step.index, status: null, content_type: null, body: null, complete: false });
      if (step.type === 'tool_call')
        this.toolResult({ step_index: step.index, tool: step.tool, result: null, error: null, settled: false });
    }
    const byStep = <T extends { step_index: number }>(entries: Iterable<T>) =>
      [...entries].sort((a, b) => a.step_index - b.step_index);
    return {
      scenario: redactedCopy(scenario, redact) as Record<string, unknown>,
      exchanges: byStep(this.#exchanges.values()),
      tool_results: byStep(this.#toolResults.values()),
    };
  }
}
