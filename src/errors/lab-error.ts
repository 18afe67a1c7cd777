const marker = Symbol.for('agent-failure-lab.error');

/**
 * Base of every failure of the lab itself (never of a subject: those are FailureEvents).
 * The Symbol.for marker makes isInstance work across duplicate copies of the package.
 */
export class LabError extends Error {
  readonly [marker] = true;
  /** The process exit code the CLI uses for this error: 2 for bad input or configuration, 1 otherwise. */
  readonly exitCode: number;

  constructor({ message, cause, exitCode = 1 }: { message: string; cause?: unknown; exitCode?: number }) {
    super(message, { cause });
    this.name = 'LabError';
    this.exitCode = exitCode;
  }

  /** True for a LabError from any copy of this package. */
  static isInstance(error: unknown): error is LabError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
