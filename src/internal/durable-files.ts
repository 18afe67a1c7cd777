import { open, rename, rm } from 'node:fs/promises';
import { syncFolder } from './sync-folder.ts';

/** A file being written. */
export interface DurableFile {
  write(text: string): Promise<void>;
  /** fsync: the file's content is on disk when this resolves. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system calls a durable write is made of. The files stores take one as a parameter
 * (real files by default), so a test can observe every call of an acknowledged write, and their
 * order, on real files.
 */
export interface DurableFs {
  /** Creates a new file, failing if it exists. */
  create(file: string): Promise<DurableFile>;
  rename(from: string, to: string): Promise<void>;
  /** fsync of a folder, so the renames inside it survive a crash. */
  syncFolder(dir: string): Promise<void>;
  remove(file: string): Promise<void>;
}

/** The real file system. */
export const realFs: DurableFs = {
  async create(file) {
    const handle = await open(file, 'wx');
    return { write: (text) => handle.writeFile(text), sync: () => handle.sync(), close: () => handle.close() };
  },
  rename: (from, to) => rename(from, to),
  syncFolder,
  remove: (file) => rm(file, { force: true }),
};

/**
 * Writes a new file whole and fsyncs it before closing it: the first half of an atomic write
 * (the caller renames it into place and fsyncs the folder).
 */
export async function writeSynced(fs: DurableFs, file: string, text: string): Promise<void> {
  const handle = await fs.create(file);
  try {
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
