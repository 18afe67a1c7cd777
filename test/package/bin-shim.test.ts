import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'lab.js');

/** The machine's own Node (20 here), when it is older than the lab needs; else none. */
function oldNode(): string | null {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      const [major = 0, minor = 0] = version.split('.').map(Number);
      if (major < 22 || (major === 22 && minor < 18)) return candidate;
    } catch {}
  }
  return null;
}

describe('the package bin on an older Node', () => {
  const node = oldNode();
  it.skipIf(node === null)('says which Node it needs and exits 2, instead of failing to load .ts or dist', () => {
    const result = spawnSync(node!, [BIN, 'capture'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/needs Node 22\.18 or newer/);
    expect(result.stderr).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|ERR_MODULE_NOT_FOUND/);
  });
});
