// Part 4: worker isolation against inline, how late a timeout is classified after its deadline,
// and how memory grows over 10,000 captured runs.
import type { TracePage } from '../../src/store/trace-store.ts';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { runCapture } from '../../src/capture/run-capture.ts';
import { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { type BenchContext, median } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function benchIsolation({ quick, rows }: BenchContext, server: ScriptedModelServer): Promise<void> {
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const scenarios = new Map((await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).map((l) => [l.scenario.id, l.scenario]));
  const run = (scenario: Scenario, isolation?: 'inline' | 'worker') => runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server, isolation });

  // Worker against inline, on a scenario with one model call and nothing hostile.
  {
    const scenario = scenarios.get('planner-valid-plan')!;
    const n = quick ? 20 : 100;
    const inline: number[] = [];
    const worker: number[] = [];
    for (let i = 0; i < 5; i++) await run(scenario, 'worker');
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await run(scenario, 'inline');
      inline.push(performance.now() - t);
      t = performance.now();
      await run(scenario, 'worker');
      worker.push(performance.now() - t);
    }
    rows.push(`| worker isolation vs inline, one model call (n=${n}) | inline ${median(inline).toFixed(2)} ms | worker ${median(worker).toFixed(1)} ms | added ${(median(worker) - median(inline)).toFixed(1)} ms per run (a thread, openai and zod loaded for every run) | (no target) |`);
  }

  // Lateness: from the deadline to the classified result, inline (an async hang) and in a worker (a sync loop).
  {
    const n = quick ? 20 : 100;
    const hang = Scenario.parse({ ...scenarios.get('qa-model-hangs')!, deadline_ms: 50 });
    const loop = Scenario.parse({ ...scenarios.get('hostile-sync-infinite-loop')!, deadline_ms: 50 });
    // Inline: the whole call minus the deadline, so the wrapper's set-up counts against it.
    const inlineLate: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await run(hang);
      inlineLate.push(performance.now() - t - hang.deadline_ms);
    }
    // Worker: the deadline starts when the subject starts (after the thread is up), so lateness
    // is measured from that point: elapsed past the deadline as the worker's clock saw it.
    const workerLate: number[] = [];
    for (let i = 0; i < n; i++) {
      const { event } = await run(loop);
      if (event?.kind !== 'timeout') throw new Error('the sync loop was not a timeout');
      workerLate.push(event.timeout.elapsed_ms - event.timeout.deadline_ms);
    }
    rows.push(`| timeout lateness, inline async hang (n=${n}, deadline 50 ms) | p50 ${percentile(inlineLate, 50).toFixed(2)} ms | p99 ${percentile(inlineLate, 99).toFixed(2)} ms | after the deadline, to the classified result | target p99 <= 5 ms: ${percentile(inlineLate, 99) <= 5 ? 'met' : 'NOT met'} |`);
    // terminate() of a thread spinning in a loop, the step that follows the deadline timer.
    const kills: number[] = [];
    for (let i = 0; i < (quick ? 10 : 30); i++) {
      const spinning = new Worker('require("node:worker_threads").parentPort.postMessage("up"); for (;;) {}', { eval: true });
      await new Promise((resolve) => spinning.once('message', resolve));
      const t = performance.now();
      await spinning.terminate();
      kills.push(performance.now() - t);
    }
    const worst = percentile(workerLate, 99) + percentile(kills, 99);
    rows.push(`| worker kill, synchronous infinite loop (n=${n}, deadline 50 ms) | deadline timer, elapsed past the deadline as recorded: p50 ${percentile(workerLate, 50).toFixed(2)} ms, p99 ${percentile(workerLate, 99).toFixed(2)} ms | terminate() of a spinning thread: p50 ${percentile(kills, 50).toFixed(2)} ms, p99 ${percentile(kills, 99).toFixed(2)} ms | deadline to thread gone, p99 about ${worst.toFixed(1)} ms | target <= 50 ms: ${worst <= 50 ? 'met' : 'NOT met'} |`);
  }

  // Memory over 10,000 runs into the memory store: the growth of the second half against the
  // records it added, so one-time costs (compiled code, caches) of the first half do not count.
  {
    const runs = quick ? 2_000 : 10_000;
    const fast = [...scenarios.values()].filter((s) => !waitsOnPurpose(s) && s.subject !== 'hostile-agent');
    const loaded = fast.map((scenario) => ({ file: '', scenario }));
    const store = new MemoryStore();
    const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
    const half = Math.ceil(runs / 2 / loaded.length);
    const storedBytes = async () => {
      let bytes = 0;
      let cursor: string | null = null;
      do {
        const page: TracePage = await store.query({ limit: 1000, cursor });
        // V8 keeps these one-byte strings at a byte a character.
        for (const record of page.records) bytes += JSON.stringify(record).length;
        cursor = page.cursor;
      } while (cursor);
      return bytes;
    };
    const first = await runCapture({ scenarios: loaded, subjects, store, model: server, concurrency: 16, repeat: half });
    gc();
    const heapHalf = process.memoryUsage().heapUsed;
    const bytesHalf = await storedBytes();
    const second = await runCapture({ scenarios: loaded, subjects, store, model: server, concurrency: 16, repeat: half });
    gc();
    const heapEnd = process.memoryUsage().heapUsed;
    const bytesEnd = await storedBytes();
    const total = first.summary.runs + second.summary.runs;
    const grew = heapEnd - heapHalf;
    const added = bytesEnd - bytesHalf;
    rows.push(`| memory over ${total} runs into the memory store | second ${second.summary.runs} runs: heap grew ${(grew / 1048576).toFixed(1)} MiB | records they added: ${(added / 1048576).toFixed(1)} MiB of JSON text (${(added / second.summary.runs / 1024).toFixed(1)} KiB a run) | growth / records ${(grew / added).toFixed(2)}, about ${((grew - added) / second.summary.runs).toFixed(0)} bytes a run besides the record | (growth only by the records) |`);
  }
}
