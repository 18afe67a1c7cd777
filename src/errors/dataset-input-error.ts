import { LabError } from './lab-error.ts';

/** A labels or predictions file `lab score` cannot read: the message names the file, the line and the field. */
export class DatasetInputError extends LabError {
  readonly file: string;
  readonly line: number | null;

  constructor({
    file,
    line = null,
    message,
    cause,
  }: { file: string; line?: number | null; message: string; cause?: unknown }) {
    super({ message: `${file}${line !== null ? `:${line}` : ''}: ${message}`, cause, exitCode: 2 });
    this.name = 'DatasetInputError';
    this.file = file;
    this.line = line;
  }
}
