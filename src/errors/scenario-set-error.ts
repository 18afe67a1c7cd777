import { LabError } from './lab-error.ts';

/** One problem in one scenario file. */
export interface ScenarioProblem {
  file: string;
  /** Where in the file, e.g. "model.replies[2].fault.status"; "" for the file as a whole. */
  path: string;
  /** The line that path starts on (1-based), when it is known. */
  line?: number | null;
  /** What is wrong and how to fix it. */
  message: string;
}

/** The scenario set is invalid; every problem in every file is listed, and nothing runs. */
export class ScenarioSetError extends LabError {
  readonly problems: readonly ScenarioProblem[];

  constructor({ problems }: { problems: readonly ScenarioProblem[] }) {
    const lines = problems.map(
      (p) => `  ${p.file}${p.line ? `:${p.line}` : ''}${p.path ? ` at ${p.path}` : ''}: ${p.message}`,
    );
    super({
      message: `${problems.length} problem${problems.length === 1 ? '' : 's'} in the scenario files; nothing was run:\n${lines.join('\n')}`,
      exitCode: 2,
    });
    this.name = 'ScenarioSetError';
    this.problems = problems;
  }
}
