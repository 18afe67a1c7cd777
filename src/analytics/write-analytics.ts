import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { FailureByCategory, FailureTrends, MttrMetrics, RepeatFailures } from '../contracts/failure-analytics.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';
import type { FailureAnalytics } from './compute-analytics.ts';

/** Each analytics file: its name and its contract, by the key of FailureAnalytics that holds it. */
export const ANALYTICS_FILES = {
  trends: { file: 'failure-trends.json', contract: FailureTrends },
  byCategory: { file: 'failure-by-category.json', contract: FailureByCategory },
  repeats: { file: 'repeat-failures.json', contract: RepeatFailures },
  mttr: { file: 'mttr-metrics.json', contract: MttrMetrics },
} as const satisfies Record<keyof FailureAnalytics, { file: string; contract: z.ZodType }>;

/** Where the files store keeps the analytics: DIR/failures/analytics. */
export function analyticsDir(filesDir: string): string {
  return path.join(filesDir, 'failures', 'analytics');
}

/**
 * Writes the four analytics files into `dir` (created if missing) as pretty JSON with a trailing
 * newline, and returns their paths. Every file is checked against its contract before any is
 * written, so a broken one leaves the folder as it was; each replaces its old version by rename,
 * so a reader never sees half a file.
 */
export async function writeAnalytics(dir: string, analytics: FailureAnalytics): Promise<string[]> {
  const texts = (Object.keys(ANALYTICS_FILES) as (keyof FailureAnalytics)[]).map((key) => {
    const { file, contract } = ANALYTICS_FILES[key];
    const parsed = contract.safeParse(analytics[key]);
    if (!parsed.success) {
      const text = parsed.error.issues
        .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new ContractViolationError({
        recordKey: file,
        message: `analytics file breaks its contract, nothing was written: ${text}`,
      });
    }
    return { file: path.join(dir, file), text: `${JSON.stringify(parsed.data, null, 2)}\n` };
  });
  await mkdir(dir, { recursive: true });
  for (const { file, text } of texts) {
    const tmp = `${file}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, text);
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
  return texts.map((t) => t.file);
}
