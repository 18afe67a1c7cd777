import { LabError } from './lab-error.ts';

/** A record does not satisfy its contract: refused rather than silently coerced. */
export class ContractViolationError extends LabError {
  readonly recordKey: string | null;

  constructor({ recordKey, message, cause }: { recordKey: string | null; message: string; cause?: unknown }) {
    super({ message: `${recordKey ? `record ${recordKey}: ` : ''}${message}`, cause });
    this.name = 'ContractViolationError';
    this.recordKey = recordKey;
  }
}
