import { randomBytes } from 'node:crypto';

/** A new build id: the UTC time it started and six random hex digits, e.g. "20261123T193012Z-3fa9c2". */
export function newBuildId(now: Date = new Date()): string {
  const time = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${time}-${randomBytes(3).toString('hex')}`;
}

/** What a build id may look like (it names files and partitions): letters, digits, ".", "_", "-", ":". */
export const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
