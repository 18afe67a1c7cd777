import { LabError } from './lab-error.ts';

/** A TraceStore backend failed to store or read a record (exit 2 when the folder given is not usable: no store, not writable). */
export class StoreError extends LabError {
  readonly store: string;
  readonly recordKey: string | null;

  constructor({
    store,
    recordKey = null,
    message,
    cause,
    exitCode = 1,
  }: { store: string; recordKey?: string | null; message: string; cause?: unknown; exitCode?: number }) {
    super({ message: `${store} store${recordKey ? `, record ${recordKey}` : ''}: ${message}`, cause, exitCode });
    this.name = 'StoreError';
    this.store = store;
    this.recordKey = recordKey;
  }
}
