import type { InjectedFault } from '../contracts/fault.ts';
import type { Scenario } from '../contracts/scenario.ts';

/** Where one run's openai client points, and what the endpoint saw of it. */
export interface ModelSession {
  readonly baseURL: string;
  readonly apiKey: string;
  /** The model name the subject should ask for. */
  readonly model: string;
  /** Faults of the scenario rather than the subject (an exhausted script): the run must not be classified. */
  labFaults(): readonly string[];
  /**
   * The faults the endpoint applied to the run's model calls, in the order of the calls (a live
   * run's, docs/live.md); the run's wrapper finds the step of each. Absent: none are reported.
   */
  injectedFaults?(): readonly Omit<InjectedFault, 'step_index'>[];
  /** Ends the session: requests still open are closed and the run is forgotten. */
  close(): void;
}

/** How a run's session is opened. */
export interface SessionOptions {
  /**
   * Answer with "connection: close", so no socket of the run's client stays open after it: a
   * pooled worker thread must be left as clean as it started to serve another run.
   */
  closeConnections?: boolean;
}

/** A model endpoint runs are opened against: the scripted server, or a live OpenAI-compatible API. */
export interface ModelEndpoint {
  readonly mode: 'scripted' | 'live';
  /** Values the endpoint holds that must never be written (a live endpoint's API key); redacted from every run. */
  readonly secrets?: readonly string[];
  open(scenario: Scenario, runId: string, options?: SessionOptions): ModelSession;
}
