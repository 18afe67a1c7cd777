import { LabError } from './lab-error.ts';

/** Configuration the lab cannot work with: a missing environment variable, an unknown backend. */
export class ConfigError extends LabError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super({ message, cause, exitCode: 2 });
    this.name = 'ConfigError';
  }
}
