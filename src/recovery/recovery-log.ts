import type { RecoveryStep, TraceStep } from '../contracts/trace-step.ts';

/** The fields of a recovery step the helpers decide; the recorder adds index, timing and span. */
export type ActionStart = Pick<RecoveryStep, 'action' | 'target' | 'episode' | 'fallback' | 'metadata'> & {
  /** The failed step that started the episode, or null. */
  triggerStep: number | null;
  /** The error that started the episode (redacted by the recorder), or null for an action on policy. */
  triggerError: unknown;
};

/** An action being recorded: end it once with its outcome (and the error, for a failure). */
export interface ActionHandle {
  end(outcome: NonNullable<RecoveryStep['outcome']>, error?: unknown): void;
}

/** Where recovery helpers record their actions: the run's StepRecorder. */
export interface RecoveryLog {
  /** The run's steps so far, to find the failure an action answers. */
  readonly steps: readonly TraceStep[];
  /** Starts a recovery step; null once the run is over (late actions are not recorded). */
  beginAction(start: ActionStart): ActionHandle | null;
}
