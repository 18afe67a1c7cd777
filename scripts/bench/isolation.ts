// Part 4: worker isolation against inline, how late a worker's timeout is classified after its
// deadline, and how memory grows over 10,000 captured runs.
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
import { type BenchContext, median, percentile, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export async function benchIsolation({ quick, rows }: BenchContext, server: ScriptedModelServer): Promise<void> {
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const scenarios = new Map(
    (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).map((l) => [l.scenario.id, l.scenario]),
  );
  const run = (scenario: Scenario, isolation?: 'inline' | 'worker') =>
    runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server, isolation });

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
    rows.push(
      row({
        name: `worker isolation against inline, one model call, warm pooled thread (median, n=${n})`,
        unit: 'ms',
        baseline: median(inline),
        lab: median(worker),
        target: { on: 'added', op: '<=', value: 15, unit: 'ms' },
        note: `added ${(median(worker) - median(inline)).toFixed(1)} ms a run: the hand-off to the thread, a fresh import of the subject file, the steps posted back, the checks that the thread is clean`,
      }),
    );
  }

  // Lateness of a worker's deadline (the inline lateness is its own part: lateness.ts).
  {
    const loop = Scenario.parse({ ...scenarios.get('hostile-sync-infinite-loop')!, deadline_ms: 50 });
    // Worker: the deadline starts when the subject starts (after the thread is up), so lateness
    // is measured from that point: elapsed past the deadline as the worker's clock saw it.
    const workerLate: number[] = [];
    for (let i = 0; i < (quick ? 20 : 100); i++) {
      const { event } = await run(loop);
      if (event?.kind !== 'timeout') throw new Error('the sync loop was not a timeout');
      workerLate.push(event.timeout.elapsed_ms - event.timeout.deadline_ms);
    }
    // terminate() of a thread spinning in a loop, the step that follows the deadline timer.
    const kills: number[] = [];
    for (let i = 0; i < (quick ? 10 : 30); i++) {
      const spinning = new Worker('require("node:worker_threads").parentPort.postMessage("up"); for (;;) {}', {
        eval: true,
      });
      await new Promise((resolve) => spinning.once('message', resolve));
      const t = performance.now();
      await spinning.terminate();
      kills.push(performance.now() - t);
    }
    const worst = percentile(workerLate, 99) + percentile(kills, 99);
    rows.push(
      row({
        name: `worker kill, synchronous infinite loop (deadline 50 ms): deadline to thread gone, p99 (n=${workerLate.length})`,
        unit: 'ms',
        lab: worst,
        target: { on: 'lab', op: '<=', value: 50, unit: 'ms' },
        note: `elapsed past the deadline as recorded: p99 ${percentile(workerLate, 99).toFixed(2)} ms; terminate() of a spinning thread: p99 ${percentile(kills, 99).toFixed(2)} ms`,
      }),
    );
  }

  // Memory over 10,000 runs into the memory store, measured by letting go: the heap with the
  // store held, against the heap once it is dropped, is what the store holds; the heap then,
  // against the heap before the capture (after a warm-up capture), is what grew besides it.
  {
    const runs = quick ? 2_000 : 10_000;
    const fast = [...scenarios.values()].filter((s) => !waitsOnPurpose(s) && s.subject !== 'hostile-agent');
    const loaded = fast.map((scenario) => ({ file: '', scenario }));
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('the memory row needs node --expose-gc (npm run bench passes it)');
    const settled = async () => {
      // Collections with pauses between them: a collection only queues FinalizationRegistry
      // callbacks (fetch registers every request's signal), and what their held values reach
      // (the last runs' clients, signals, schemas) is freed by the next collection after they ran.
      for (let i = 0; i < 4; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      gc();
      return process.memoryUsage().heapUsed;
    };
    await runCapture({
      scenarios: loaded,
      subjects,
      store: new MemoryStore(),
      model: server,
      concurrency: 16,
      repeat: 5,
      keepResults: false,
    });
    const before = await settled();
    let store: MemoryStore | null = new MemoryStore();
    const { summary } = await runCapture({
      scenarios: loaded,
      subjects,
      store,
      model: server,
      concurrency: 16,
      repeat: Math.ceil(runs / loaded.length),
      keepResults: false,
    });
    const bytes = await storedBytes(store);
    const records = store.size;
    const held = await settled();
    store = null;
    const after = await settled();
    rows.push(
      row({
        name: `memory over ${summary.runs} runs into the memory store: what the store holds against the bytes of the records it stored (runs and derived records)`,
        unit: 'MiB',
        baseline: bytes / 1048576,
        lab: (held - after) / 1048576,
        target: { on: 'ratio', op: '<=', value: 1.05 },
        note: `${records} records, ${(bytes / records / 1024).toFixed(2)} KiB each; ${((held - after - bytes) / records).toFixed(0)} bytes a record besides its JSON`,
      }),
    );
    rows.push(
      row({
        name: `memory over ${summary.runs} runs: heap growth besides the store, a run`,
        unit: 'B',
        lab: (after - before) / summary.runs,
        note: 'nothing is kept per run: what is left is compiled code and caches',
      }),
    );
  }
}

/** The bytes of every record in a store (runs and the records derived from them), in UTF-8 as a file would hold them. */
async function storedBytes(store: MemoryStore): Promise<number> {
  let bytes = 0;
  let cursor: string | null = null;
  do {
    const page: TracePage = await store.query({ record_type: 'all', limit: 1000, cursor });
    for (const record of page.records) bytes += Buffer.byteLength(JSON.stringify(record));
    cursor = page.cursor;
  } while (cursor);
  return bytes;
}
