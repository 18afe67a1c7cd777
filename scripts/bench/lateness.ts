// Part 5: how late an inline timeout is declared after its deadline, with 16 other runs in flight
// in the same thread (issue 18: the scripted model server answers from a thread of its own, so a
// deadline timer waits only behind the runs' own work).
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { youngGenerationInEffect } from '../../src/cli/young-generation.ts';
import { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';
import { type BenchContext, percentile, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export async function benchLateness({ quick, rows }: BenchContext, server: ScriptedModelServer): Promise<void> {
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const scenarios = new Map(
    (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).map((l) => [l.scenario.id, l.scenario]),
  );
  const run = (scenario: Scenario, isolation?: 'inline' | 'worker') =>
    runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server, isolation });
  const n = quick ? 30 : 200;
  const hang = Scenario.parse({ ...scenarios.get('qa-model-hangs')!, deadline_ms: 50 });
  const fast = [...scenarios.values()].filter(
    (s) => !waitsOnPurpose(s) && s.subject !== 'hostile-agent' && s.isolation !== 'worker',
  );
  // A subject that starts a process (a command subject, or one with a stdio MCP server) holds the
  // thread while the process is forked, for as long as the process is large: that is the fork's
  // cost, measured apart.
  const spawns = (s: Scenario) => {
    const subject = subjects.get(s.subject)!;
    return subject.runsAsProcess === true || Object.keys(subject.mcp_servers ?? {}).length > 0;
  };
  await measure(
    fast.filter((s) => !spawns(s)),
    'in-process subjects',
    true,
  );
  await measure(fast, 'process-starting subjects included', false);

  async function measure(busy: Scenario[], what: string, targeted: boolean): Promise<void> {
    // Sixteen runs of fast scenarios kept in flight the whole time.
    let stop = false;
    let background = 0;
    const warm = Promise.withResolvers<void>();
    const lanes = Array.from({ length: 16 }, async (_, lane) => {
      for (let i = lane; !stop; i += 16) {
        await run(busy[i % busy.length]!, 'inline');
        if (++background === busy.length) warm.resolve();
      }
    });
    // Measured once the lanes have run as many runs as there are scenarios, and the hang once: a
    // subject's first run loads its modules (the Agents SDK alone holds the thread for most of a
    // second), which is start-up, not lateness.
    await Promise.all([warm.promise, run(hang)]);
    background = 0;
    // When the lab declared the timeout and aborted the subject (the elapsed time it recorded) past
    // the deadline. The whole call, set-up and the records built after the abort included, is given
    // beside it: under load each of its steps also waits its turn.
    // The thread's garbage collections, to tell a cut that waited for one from a cut that waited
    // for a callback: no code of the thread runs during a collection, the lab's included.
    const collections: { start: number; end: number }[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) collections.push({ start: e.startTime, end: e.startTime + e.duration });
    });
    observer.observe({ entryTypes: ['gc'] });
    const inlineLate: number[] = [];
    const wholeLate: number[] = [];
    const cuts: { deadlineAt: number; late: number }[] = [];
    const measuredFrom = performance.now();
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const { event } = await run(hang);
      wholeLate.push(performance.now() - t - hang.deadline_ms);
      if (event?.kind !== 'timeout') throw new Error('the async hang was not a timeout');
      const late = event.timeout.elapsed_ms - event.timeout.deadline_ms;
      inlineLate.push(late);
      cuts.push({ deadlineAt: t + hang.deadline_ms, late });
    }
    const measuredMs = performance.now() - measuredFrom;
    stop = true;
    await Promise.all(lanes);
    observer.disconnect();
    // A cut is counted as waiting for a collection when one overlapped the time from its deadline
    // to the cut (the deadline is taken from before the call, so up to a millisecond early).
    const inCollection = (c: (typeof cuts)[number]) =>
      collections.some((g) => g.end >= c.deadlineAt - 1 && g.start <= c.deadlineAt + c.late + 1);
    const outside = cuts.filter((c) => !inCollection(c)).map((c) => c.late);
    const longest = Math.max(0, ...collections.map((g) => g.end - g.start));
    const gcShare = collections.reduce((sum, g) => sum + (g.end - g.start), 0) / measuredMs;
    rows.push(
      row({
        name: `timeout lateness p99, inline async hang (deadline 50 ms), while 16 other runs are in flight, ${what} (n=${n}; ${background} runs beside them)`,
        unit: 'ms',
        lab: percentile(inlineLate, 99),
        ...(targeted ? { target: { on: 'lab' as const, op: '<=' as const, value: 5, unit: 'ms' } } : {}),
        note: `young generation: ${youngGenerationInEffect()}; from the deadline to the cut (the abort and the record's end), as recorded, after a warm-up (as many runs as there are scenarios); p50 ${percentile(inlineLate, 50).toFixed(2)} ms, p90 ${percentile(inlineLate, 90).toFixed(2)} ms. ${n - outside.length} of ${n} cuts waited for a garbage collection (collections held the thread ${(gcShare * 100).toFixed(1)}% of the time, the longest ${longest.toFixed(1)} ms); the other ${outside.length}: p99 ${outside.length > 0 ? percentile(outside, 99).toFixed(2) : '-'} ms. The whole call past the deadline: p50 ${percentile(wholeLate, 50).toFixed(1)} ms, p99 ${percentile(wholeLate, 99).toFixed(1)} ms`,
      }),
    );
  }
}
