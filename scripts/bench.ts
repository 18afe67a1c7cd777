// npm run bench: the figures in BENCHMARKS.md, measured in one process.
// Usage: npm run bench [-- --quick] [-- --only wrapper|capture|stores|isolation]
//   --quick  fewer iterations, for a smoke run
import { cpus } from 'node:os';
import { ScriptedModelServer } from '../src/model/scripted-server.ts';
import { benchCapture } from './bench/capture.ts';
import { benchIsolation } from './bench/isolation.ts';
import type { BenchContext } from './bench/common.ts';
import { benchStores } from './bench/stores.ts';
import { benchWrapper } from './bench/wrapper.ts';

const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const parts = { wrapper: benchWrapper, capture: benchCapture, stores: benchStores, isolation: benchIsolation };
if (only !== undefined && !(only in parts)) {
  console.error(`--only must be one of ${Object.keys(parts).join(', ')}, got "${only}"`);
  process.exitCode = 2;
} else {
  const ctx: BenchContext = { quick, rows: [] };
  const server = await ScriptedModelServer.start();
  try {
    for (const [name, run] of Object.entries(parts)) if (only === undefined || only === name) await run(ctx, server);
  } finally {
    await server.close();
  }
  console.log(`Node ${process.version}, ${cpus().length} cores${quick ? ', --quick' : ''}\n`);
  console.log('| measurement | baseline | lab | difference | target |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const row of ctx.rows) console.log(row);
}
