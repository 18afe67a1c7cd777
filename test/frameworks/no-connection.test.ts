import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.ts';

const RECORDER = path.join(ROOT, 'test', 'fixtures', 'net-recorder.mjs');
/** Set, so the Agents SDK's own exporter would send traces to OpenAI's servers if it were in place. */
const API_KEY = 'sk-no-connection-canary-5d1f0e2a7b';

type NetRecord = { kind: 'start' | 'connect' | 'lookup' | 'fetch'; target: string; allowed: boolean; thread: number };

/** Runs node with the recorder preloaded (in every thread: workers inherit --import) and returns what it recorded. */
async function recorded(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; records: NetRecord[] }> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'net-record-')), 'net.ndjson');
  const child = spawn(process.execPath, ['--import', RECORDER, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: API_KEY, NET_RECORD_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const text = await readFile(file, 'utf8').catch(() => '');
  return {
    code,
    stdout,
    stderr,
    records: text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as NetRecord),
  };
}

describe('nothing leaves the machine', () => {
  it.each(['inline', 'worker'])(
    'a capture of every framework scenario (%s) connects to loopback only, with OPENAI_API_KEY set',
    async (isolation) => {
      const run = await recorded([
        path.join(ROOT, 'src/cli/main.ts'),
        'capture',
        '--store',
        'memory',
        '--filter',
        'fw-',
        '--no-ledger',
        '--isolation',
        isolation,
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!).summary;
      expect(summary).toMatchObject({ mismatched: 0, lab_errors: 0 });
      expect(summary.runs).toBeGreaterThanOrEqual(14);
      const network = run.records.filter((r) => r.kind !== 'start');
      // The scripted server's exchanges were seen, so the recorder works in this process.
      expect(network.filter((r) => r.kind === 'connect' && r.allowed).length).toBeGreaterThan(0);
      expect(network.filter((r) => !r.allowed)).toEqual([]);
      expect(JSON.stringify(run.records)).not.toContain('openai.com');
      if (isolation === 'worker') expect(run.records.some((r) => r.kind === 'start' && r.thread !== 0)).toBe(true);
    },
    120_000,
  );

  it("the recorder sees the Agents SDK's default exporter when nothing replaces it (the control that proves the test can fail)", async () => {
    const script = [
      "const agents = await import('@openai/agents');",
      "await agents.withTrace('control', async () => {});",
      'await agents.getGlobalTraceProvider().forceFlush();',
    ].join('\n');
    const run = await recorded(['--input-type=module', '-e', script]);
    const refused = run.records.filter((r) => !r.allowed);
    expect(refused.length, run.stderr).toBeGreaterThan(0);
    expect(JSON.stringify(refused)).toContain('api.openai.com');
  }, 60_000);
});
