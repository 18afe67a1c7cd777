import { LabError } from './lab-error.ts';

/** A TraceStore backend failed to store or read a record. */
export class StoreError extends LabError {
  readonly store: string;
  readonly recordKey: string | null;

  constructor({
    store,
    recordKey = null,
    message,
    cause,
  }: { store: string; recordKey?: string | null; message: string; cause?: unknown }) {
    super({ message: `${store} store${recordKey ? `, record ${recordKey}` : ''}: ${message}`, cause });
    this.name = 'StoreError';
    this.store = store;
    this.recordKey = recordKey;
  }
}
