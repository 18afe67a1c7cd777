import { LabError } from './lab-error.ts';

/**
 * The scripted model was asked for more than its script holds, or by a run it does not know.
 * This is a fault of the scenario, not of the subject, so the run is not classified.
 */
export class ModelScriptError extends LabError {
  readonly scenarioId: string;

  constructor({ scenarioId, message }: { scenarioId: string; message: string }) {
    super({ message: `scenario ${scenarioId}: ${message}`, exitCode: 2 });
    this.name = 'ModelScriptError';
    this.scenarioId = scenarioId;
  }
}
