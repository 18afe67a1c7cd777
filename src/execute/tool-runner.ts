import type OpenAI from 'openai';
import type { ToolFixture } from '../contracts/scenario.ts';
import type { ToolBox } from '../subject/subject.ts';
import { type ToolSpec, UnknownToolError } from '../subject/tool.ts';
import { abortable } from '../internal/abortable.ts';
import type { StepRecorder } from './step-recorder.ts';

/**
 * Runs a subject's declared tools, with the scenario's fixtures standing in for chosen calls. In a
 * conversation the fixtures are the turn's own, and calls are counted from 1 in each turn.
 */
export class ToolRunner implements ToolBox {
  readonly definitions: OpenAI.Chat.Completions.ChatCompletionTool[];
  readonly #specs: Map<string, ToolSpec>;
  readonly #fixtures: Record<string, (ToolFixture | null)[]>;
  readonly #turnFixtures: readonly Record<string, (ToolFixture | null)[]>[];
  readonly #calls = new Map<string, number>();
  readonly #recorder: StepRecorder;
  readonly #signal: AbortSignal;

  constructor({
    specs,
    fixtures,
    turnFixtures = [],
    recorder,
    signal,
  }: {
    specs: readonly ToolSpec[];
    fixtures: Record<string, (ToolFixture | null)[]>;
    /** Each turn's fixtures, first turn first (a scenario's turns[].tools). */
    turnFixtures?: readonly Record<string, (ToolFixture | null)[]>[];
    recorder: StepRecorder;
    signal: AbortSignal;
  }) {
    this.#specs = new Map(specs.map((s) => [s.name, s]));
    this.#fixtures = fixtures;
    this.#turnFixtures = turnFixtures;
    this.#recorder = recorder;
    this.#signal = signal;
    this.definitions = specs.map((s) => ({
      type: 'function',
      function: { name: s.name, description: s.description, parameters: s.parameters },
    }));
  }

  call(name: string, args: unknown, callId?: string, options?: { signal?: AbortSignal }): Promise<unknown> {
    const spec = this.#specs.get(name);
    const signal = options?.signal ? AbortSignal.any([this.#signal, options.signal]) : this.#signal;
    return this.#recorder.toolCall({ tool: name, callId: callId ?? null, declared: spec !== undefined, args }, () => {
      if (!spec) throw new UnknownToolError({ tool: name, known: [...this.#specs.keys()] });
      const turn = this.#recorder.turn;
      const key = turn === null ? name : `${turn}\u0000${name}`;
      const n = this.#calls.get(key) ?? 0;
      this.#calls.set(key, n + 1);
      const fixtures = turn === null ? this.#fixtures : (this.#turnFixtures[turn - 1] ?? {});
      const fixture = fixtures[name]?.[n];
      return fixture ? runFixture(fixture, signal, () => spec.run(args, { signal })) : spec.run(args, { signal });
    });
  }
}

/**
 * Plays a scripted tool result: wait, block, hang, throw or return, always honouring the abort
 * signal. A fixture that only waits or blocks (no result, error or hang) is a late real tool: the
 * tool runs after the wait (docs/chaos.md).
 */
async function runFixture(fixture: ToolFixture, signal: AbortSignal, real: () => unknown): Promise<unknown> {
  if (fixture.busy_ms) {
    const until = performance.now() + fixture.busy_ms;
    while (performance.now() < until) {
      // A CPU-bound tool: nothing can interrupt this inline.
    }
  }
  if (fixture.hang) await abortable(signal, () => {});
  if (fixture.delay_ms) await abortable(signal, (resolve) => setTimeout(resolve, fixture.delay_ms));
  if (fixture.error !== undefined) throw new Error(fixture.error);
  return 'result' in fixture ? fixture.result : real();
}
