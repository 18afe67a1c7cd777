import { LabError } from './lab-error.ts';

/** A grounding check points at sources that are not there, so it cannot judge the output. */
export class GroundingConfigError extends LabError {
  constructor({ scenarioId, message }: { scenarioId: string; message: string }) {
    super({ message: `scenario ${scenarioId}: ${message}`, exitCode: 2 });
    this.name = 'GroundingConfigError';
  }
}
