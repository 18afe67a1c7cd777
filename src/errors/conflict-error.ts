import { LabError } from './lab-error.ts';

/**
 * A compare-and-swap lost: the record changed since it was read (another person or process
 * updated it). Nothing was written; read it again and reapply the change. Exit code 3.
 */
export class ConflictError extends LabError {
  readonly recordKey: string;

  constructor({ recordKey, message }: { recordKey: string; message: string }) {
    super({ message: `failure ${recordKey}: ${message}`, exitCode: 3 });
    this.name = 'ConflictError';
    this.recordKey = recordKey;
  }
}
