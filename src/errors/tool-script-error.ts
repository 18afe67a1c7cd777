import { LabError } from './lab-error.ts';

/**
 * A command subject called a tool past the scenario's fixtures, and the subject file declares no
 * command for it: a fault of the scenario, not of the subject, so the run is not classified.
 */
export class ToolScriptError extends LabError {
  readonly scenarioId: string | null;

  constructor({ tool, call, scenarioId = null }: { tool: string; call: number; scenarioId?: string | null }) {
    super({
      message: `${scenarioId ? `scenario ${scenarioId}: ` : ''}call ${call} of the tool "${tool}" has no fixture and the subject file declares no command for it. Add a fixture to tools.${tool} in the scenario file, or a command to the tool in the subject file.`,
      exitCode: 2,
    });
    this.name = 'ToolScriptError';
    this.scenarioId = scenarioId;
  }

  static override isInstance(error: unknown): error is ToolScriptError {
    return LabError.isInstance(error) && (error as Error).name === 'ToolScriptError';
  }
}
