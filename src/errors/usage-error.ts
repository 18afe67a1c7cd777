import { LabError } from './lab-error.ts';

/** A command line the CLI cannot run: unknown flag, bad number, unknown command. */
export class UsageError extends LabError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super({ message, cause, exitCode: 2 });
    this.name = 'UsageError';
  }
}
