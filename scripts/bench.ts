// npm run bench: the figures in BENCHMARKS.md, measured in one process (and the child processes
// some parts start), each row a side-by-side comparison made in the same run.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { surviveSubjects } from '../src/cli/survive-subjects.ts';
import { restartWithLabYoungGeneration } from '../src/cli/young-generation.ts';
import { createRedactor, secretsFromEnv } from '../src/internal/redact.ts';
import { ScriptedModelServer } from '../src/model/scripted-server.ts';
import { benchCapture } from './bench/capture.ts';
import { benchCommand } from './bench/command.ts';
import { benchDataset } from './bench/dataset.ts';
import { type BenchContext, markdownTable } from './bench/common.ts';
import { benchFrameworks } from './bench/frameworks.ts';
import { benchFuzz } from './bench/fuzz.ts';
import { benchIsolation } from './bench/isolation.ts';
import { benchLateness } from './bench/lateness.ts';
import { benchLedger } from './bench/ledger.ts';
import { benchLive } from './bench/live.ts';
import { benchMcp } from './bench/mcp.ts';
import { benchReport } from './bench/report.ts';
import { benchScale } from './bench/scale.ts';
import { benchStartup } from './bench/startup.ts';
import { benchStores } from './bench/stores.ts';
import { benchWrapper } from './bench/wrapper.ts';
import { benchYoungGeneration } from './bench/young-generation.ts';

const PARTS = {
  wrapper: benchWrapper,
  capture: benchCapture,
  ledger: benchLedger,
  startup: benchStartup,
  isolation: benchIsolation,
  lateness: benchLateness,
  'young-generation': benchYoungGeneration,
  stores: benchStores,
  scale: benchScale,
  report: benchReport,
  frameworks: benchFrameworks,
  command: benchCommand,
  dataset: benchDataset,
  live: benchLive,
  mcp: benchMcp,
  fuzz: benchFuzz,
};

const USAGE = `Usage: npm run bench [-- --quick] [-- --only PART[,PART]] [-- --json]

  --quick       fewer iterations and smaller runs, for a smoke run (figures are not comparable)
  --only PARTS  run only these parts: ${Object.keys(PARTS).join(', ')}
  --json        print one JSON object per row ({name, unit, baseline, lab, ratio, target, met, note})
                instead of the Markdown table; \`npm run bench:md -- FILE\` writes BENCHMARKS.md from it

Progress goes to stderr. Exit code 0 when every row with a target met it, 1 otherwise, 2 on bad flags.`;

// The parts that run subjects in this process (the lateness part above all) run them as a capture
// does: with the lab's young generation, unless NODE_OPTIONS chose another.
restartWithLabYoungGeneration();

let flags;
try {
  flags = parseArgs({
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const only = flags.only?.split(',').map((p) => p.trim());
const unknown = only?.filter((p) => !(p in PARTS)) ?? [];
if (flags.help) {
  console.log(USAGE);
} else if (unknown.length > 0) {
  console.error(
    `--only: unknown part${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the parts are ${Object.keys(PARTS).join(', ')}`,
  );
  process.exitCode = 2;
} else {
  const started = performance.now();
  const ctx: BenchContext = {
    quick: flags.quick === true,
    rows: [],
    progress: (message) =>
      process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`),
  };
  const server = await ScriptedModelServer.start();
  // As in a capture, a rejection an inline subject leaves unhandled is a warning, not the end of the process.
  const stopSurviving = surviveSubjects(ctx.progress, createRedactor(secretsFromEnv(process.env)));
  try {
    for (const [name, run] of Object.entries(PARTS)) {
      if (only && !only.includes(name)) continue;
      ctx.progress(`${name}…`);
      const before = ctx.rows.length;
      await run(ctx, server);
      // With --json each row is printed as soon as it is measured: a part that fails later loses nothing.
      if (flags.json) for (const r of ctx.rows.slice(before)) console.log(JSON.stringify(r));
      for (const r of ctx.rows.slice(before))
        ctx.progress(
          `  ${r.name}: ${r.lab} ${r.unit}${r.ratio === null ? '' : `, ratio ${r.ratio}`}${r.met === null ? '' : r.met ? ' (met)' : ' (NOT met)'}`,
        );
    }
  } finally {
    stopSurviving();
    await server.close();
  }
  if (!flags.json)
    console.log(
      `Node ${process.version}, ${cpus().length} cores${ctx.quick ? ', --quick' : ''}\n\n${markdownTable(ctx.rows)}`,
    );
  if (ctx.rows.some((r) => r.met === false)) process.exitCode = 1;
}
