// Where the browser tests find Chromium, and how they start it: Debian's package, never a
// browser download. Shared by the browser tests and `npm run bench -- --only report`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** The flags the lab starts Chromium with: headless, and nothing that reaches for the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What to tell a person without Chromium. */
export const INSTALL_HINT =
  "install Debian's Chromium with `sudo apt-get install chromium` (it provides /usr/bin/chromium), or set LAB_CHROMIUM to a Chromium binary";

/** LAB_CHROMIUM, else /usr/bin/chromium, else chromium on the PATH; null when none is there. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.LAB_CHROMIUM) return existsSync(env.LAB_CHROMIUM) ? env.LAB_CHROMIUM : null;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'chromium');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Starts headless Chromium from `executablePath`. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
