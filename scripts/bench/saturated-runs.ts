// A child of the young-generation part: runs `N` fast in-process scenarios inline, 16 in flight, on
// the flags it was started with, and prints one JSON line: runs a second and CPU per run. The
// scripted model server answers from its own thread, as in a capture.
import path from 'node:path';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const n = Number(process.argv[2]);
const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
const fast = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects))
  .map((l) => l.scenario)
  .filter((s) => {
    const subject = subjects.get(s.subject)!;
    return (
      !waitsOnPurpose(s) &&
      s.subject !== 'hostile-agent' &&
      s.isolation !== 'worker' &&
      subject.runsAsProcess !== true &&
      Object.keys(subject.mcp_servers ?? {}).length === 0
    );
  });
const server = await ScriptedModelServer.start();
const runs = async (count: number) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const s = fast[next++ % fast.length]!;
        await runWithFailureDetection(subjects.get(s.subject)!, s, { model: server, isolation: 'inline' });
      }
    }),
  );
};
// Each subject's first run loads its modules: start-up, not throughput.
await runs(fast.length * 2);
const started = performance.now();
const cpu = process.cpuUsage();
await runs(n);
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
await server.close();
console.log(JSON.stringify({ runsPerSecond: (n / ms) * 1000, cpuMsPerRun: (used.user + used.system) / 1000 / n }));
