import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Measured {
  ms: number;
  peakGrowthBytes: number;
  retainedBytes: number;
  resultJsonBytes: number;
}
interface Probe {
  count: number;
  perRecordBytes: number;
  keepingAllBytes: number;
  generationMs: number;
  analytics: Measured;
  weekly: Measured;
  monthly: Measured;
}

/** Runs memory-probe.ts in a process of its own with --expose-gc, so heap is measured after collection. */
function probe(count: number, fingerprints: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', path.join(import.meta.dirname, 'memory-probe.ts'), String(count), String(fingerprints)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Probe) : reject(new Error(`memory probe exited ${code}:\n${err}`)),
    );
  });
}

const MB = 1024 * 1024;

describe('memory stays bounded by the result, not the records', () => {
  it('streams 100,000 records of 20 fingerprints holding a tiny fraction of what keeping them would take', async () => {
    const p = await probe(100_000, 20);
    console.log(
      `100,000 records: keeping them would take ${(p.keepingAllBytes / MB).toFixed(0)} MB (${p.perRecordBytes} bytes each); generating them alone ${p.generationMs} ms; ` +
        Object.entries({ analytics: p.analytics, weekly: p.weekly, monthly: p.monthly })
          .map(
            ([name, m]) =>
              `${name}: ${m.ms} ms, peak heap growth ${(m.peakGrowthBytes / MB).toFixed(2)} MB, retained ${(m.retainedBytes / MB).toFixed(2)} MB`,
          )
          .join('; '),
    );
    expect(p.keepingAllBytes).toBeGreaterThan(100 * MB);
    for (const m of [p.analytics, p.weekly, p.monthly]) {
      // Measured after gc, every 10,000 records: what is held, not garbage. The records would be
      // hundreds of MB; the accumulators are a few hundred KB.
      expect(m.peakGrowthBytes).toBeLessThan(p.keepingAllBytes / 100);
      expect(m.peakGrowthBytes).toBeLessThan(4 * MB);
    }
  }, 180_000);
});
