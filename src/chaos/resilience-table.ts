import { faultLabel } from './fuzz-space.ts';
import type { FuzzResult } from './run-fuzz.ts';

/** The JSON `lab fuzz --json` prints: the same bytes for the same seed on a scripted baseline. */
export function fuzzJson(result: FuzzResult): string {
  return JSON.stringify({
    seed: result.seed,
    runs: result.runs,
    findings: result.findings.map((f) => ({
      fingerprint: f.fingerprint,
      kind: f.kind,
      faults: f.faults,
      trials: f.trials,
    })),
  });
}

/** The terminal's account of a fuzz: the resilience table (each fault kind alone at each call), then the findings. */
export function fuzzText(result: FuzzResult): string {
  const lines: string[] = [];
  lines.push(
    `lab fuzz ${result.scenario_id} (${result.subject_id}): seed ${result.seed}, ${result.runs} sampled fault sets of at most ${result.max_faults}`,
    '',
    'Resilience: each fault kind alone at each call the baseline made',
  );
  const siteWidth = Math.max(9, ...result.table.map((c) => c.site.length));
  const kindWidth = Math.max(10, ...result.table.map((c) => c.kind.length));
  lines.push(`  ${'call site'.padEnd(siteWidth)}  ${'fault kind'.padEnd(kindWidth)}  outcome`);
  for (const cell of result.table)
    lines.push(
      `  ${cell.site.padEnd(siteWidth)}  ${cell.kind.padEnd(kindWidth)}  ${cell.outcome === null ? 'survived' : `failed: ${cell.outcome}${cell.finding === null ? '' : ` (finding ${cell.finding + 1})`}`}`,
    );
  lines.push('');
  if (result.findings.length === 0) lines.push('No finding: the baseline passed every trial.');
  else {
    lines.push(`Findings: ${result.findings.length}, each shrunk to the faults it needs`);
    result.findings.forEach((f, i) => {
      lines.push(`  ${i + 1}. ${f.kind}  ${f.fingerprint}  (${f.trials} trial${f.trials === 1 ? '' : 's'})`);
      for (const fault of f.faults) lines.push(`       ${faultLabel(fault)}`);
      lines.push(`       ${f.message.slice(0, 160)}`);
    });
  }
  const shrinking = result.findings.reduce((n, f) => n + f.shrink_runs, 0);
  lines.push('', `${result.executed} runs made (the baseline, distinct trials, and ${shrinking} for shrinking).`);
  return lines.join('\n');
}
