import { readFileSync } from 'node:fs';

/** The lab's version, from its package.json (two folders up, in the repository and in the installed package alike). */
export const LAB_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
