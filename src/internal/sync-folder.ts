import { open } from 'node:fs/promises';

/** fsync of a folder, so a rename inside it survives a crash. */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
