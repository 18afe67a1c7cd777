import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Scenario } from '../contracts/scenario.ts';
import { scenarioSchemaRef } from '../init/schema-ref.ts';
import { faultLabel } from './fuzz-space.ts';
import { faultedScenario } from './place-faults.ts';
import type { Finding } from './run-fuzz.ts';

/** The id a saved finding gets: "<scenario id>-fuzz-<n>" (n from 1, in the order of the findings). */
export function findingId(scenarioId: string, n: number): string {
  return `${scenarioId}-fuzz-${n}`;
}

/**
 * A finding as an ordinary scenario: the baseline with the finding's minimal faults placed in its
 * own script, expected the kind the finding was detected as, tagged `fuzz`, its description naming
 * the faults. Captured again it gives the same label (the faults are now the script's).
 */
export function findingScenario(baseline: Scenario, finding: Finding, n: number, seed: number): Scenario {
  const faults = finding.faults.map(faultLabel).join('; ');
  return faultedScenario(baseline, finding.faults, 'script', {
    id: findingId(baseline.id, n),
    description: `Found by lab fuzz ${baseline.id} --seed ${seed}: ${faults} makes it fail with ${finding.kind} (${finding.message.slice(0, 200)}).`,
    expected: finding.kind,
    tags: [...new Set([...baseline.tags.filter((t) => t !== 'control'), 'fuzz'])],
  });
}

/** Writes each finding as a scenario file in `dir` (made if missing), replacing a file of the same name; returns the files. */
export async function saveFindings(
  dir: string,
  baseline: Scenario,
  findings: readonly Finding[],
  seed: number,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, finding] of findings.entries()) {
    const scenario = findingScenario(baseline, finding, i + 1, seed);
    const file = path.join(dir, `${scenario.id}.json`);
    await writeFile(file, `${JSON.stringify({ $schema: scenarioSchemaRef(dir), ...scenario }, null, 2)}\n`);
    files.push(file);
  }
  return files;
}
