// Part 3: what a person waits for at the command line, as whole processes against Node itself
// starting (`node -e 0`): `lab --help`, a capture of one scenario, and a capture of every shipped
// scenario into Cosmos against one into memory.
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { cosmosEnv, startCosmos } from '../../test/helpers/cosmos-server.ts';
import { type BenchContext, median, row } from './common.ts';
import { CLI, runNode } from './processes.ts';

export async function benchStartup(
  { quick, rows, progress }: BenchContext,
  _server: ScriptedModelServer,
): Promise<void> {
  const n = quick ? 3 : 10;
  // Interleaved, after one warm-up each (the compile cache is written on the first run).
  const time = async (args: string[][], env: NodeJS.ProcessEnv = {}) => {
    const runs = args.map(() => [] as number[]);
    for (const a of args) await runNode(a, { env });
    for (let k = 0; k < n; k++) {
      for (const [i, a] of args.entries()) {
        const r = await runNode(a, { env });
        if (r.code !== 0) throw new Error(`node ${a.join(' ')} exited ${r.code}: ${r.stderr}`);
        runs[i]!.push(r.ms);
      }
    }
    return runs.map(median);
  };
  const [node, help, one] = await time([
    ['-e', '0'],
    [CLI, '--help'],
    [CLI, 'capture', '--filter', 'calculator-correct', '--store', 'memory', '--no-ledger'],
  ]);
  rows.push(
    row({
      name: `\`lab --help\`, whole process, against \`node -e 0\` (median, n=${n})`,
      unit: 'ms',
      baseline: node!,
      lab: help!,
      target: { on: 'ratio', op: '<=', value: 3 },
    }),
    row({
      name: `a capture of one scenario (\`capture --filter calculator-correct\`), whole process, against \`node -e 0\` (median, n=${n})`,
      unit: 'ms',
      baseline: node!,
      lab: one!,
      target: { on: 'ratio', op: '<=', value: 5 },
    }),
  );

  // Every shipped scenario, into Cosmos (a Cosmos-protocol server on loopback, in this process) and into memory.
  progress('  every shipped scenario into cosmos and into memory…');
  const cosmos = await startCosmos();
  try {
    const k = quick ? 1 : 3;
    const memory: number[] = [];
    const intoCosmos: number[] = [];
    for (let i = 0; i < k; i++) {
      const m = await runNode([CLI, 'capture', '--store', 'memory', '--concurrency', '16']);
      const c = await runNode([CLI, 'capture', '--store', 'cosmos', '--concurrency', '16'], {
        env: cosmosEnv(cosmos.endpoint),
      });
      for (const r of [m, c]) if (r.code !== 0) throw new Error(`capture exited ${r.code}: ${r.stderr}`);
      memory.push(m.ms);
      intoCosmos.push(c.ms);
    }
    rows.push(
      row({
        name: `capture of every shipped scenario into cosmos against into memory, concurrency 16, whole process (median of ${k})`,
        unit: 'ms',
        baseline: median(memory),
        lab: median(intoCosmos),
        target: { on: 'ratio', op: '<=', value: 1.2 },
        note: 'cosmos: @vercel/cosmosdb-server on loopback',
      }),
    );
  } finally {
    await cosmos.close();
  }
}
