import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors/usage-error.ts';

/**
 * Checks, before any work, that a file can be written where a flag says (its folder exists, and
 * it is not itself a folder): a report that cannot be written fails first, as bad input (exit 2).
 * Returns the absolute path; an existing file is overwritten.
 */
export function checkOutFile(flag: string, file: string, cwd: string): string {
  const out = path.resolve(cwd, file);
  const folder = path.dirname(out);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError({ message: `${flag}: the folder ${folder} does not exist; create it first` });
  if (existsSync(out) && statSync(out).isDirectory())
    throw new UsageError({ message: `${flag}: ${out} is a folder; give the name of a file in it` });
  return out;
}

/**
 * Checks that a flag names a folder files can be written into: one that does not exist yet (it is
 * created) or a folder, never an existing file. Returns the absolute path.
 */
export function checkOutFolder(flag: string, folder: string, cwd: string): string {
  const out = path.resolve(cwd, folder);
  let at = out;
  // The nearest part of the path that exists must be a folder, or the folder cannot be created.
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  if (!statSync(at).isDirectory())
    throw new UsageError({
      message: `${flag}: ${at} is a file, and ${flag} names a folder to write into; give a folder (it is created if missing)`,
    });
  return out;
}
