import type { ErrorInfo } from '../contracts/common.ts';
import type { GroundingFlag, ValidationIssue } from '../contracts/failure-event.ts';
import type { ThrownVerdict } from './classify-thrown.ts';

/** What the checks said of a returned output: its schema, then every grounding flag. */
export interface CheckVerdicts {
  schema: { passed: true } | { passed: false; issues: ValidationIssue[] };
  flags: GroundingFlag[];
}

/** The failure a degraded run keeps (see degradedVerdict), and the note that says how it went on. */
export interface DegradedVerdict {
  verdict: ThrownVerdict;
  note: string;
}

/** The run's own synchronous slice that was running at its deadline, and the thread's CPU time it took. */
export interface HeldAtDeadline {
  cpuMs: number;
}

/**
 * Everything that happened at the end of a run, as plain data gathered by the executor (inline,
 * or in a worker and its main thread). classifyRun turns it into one kind; nothing else decides.
 */
export interface RunEnd {
  deadlineMs: number;
  /** From the subject's start to the moment the lab took its result (or cut it off). */
  elapsedMs: number;
  /** The run was still going at its deadline and was cut off. */
  cutOff: boolean;
  /**
   * The run's own synchronous work was running at its deadline, with the thread's CPU time that
   * slice took (measured inline by OwnWork, src/execute/own-work.ts; always null in a worker,
   * whose thread is terminated at the deadline).
   */
  held: HeldAtDeadline | null;
  /** It threw or rejected. */
  thrown: ThrownVerdict | null;
  /** Its worker thread died: out of memory, process.exit, an error nothing caught. */
  died: ErrorInfo | null;
  /** It left a rejection unhandled (seen in a worker only: inline it cannot be tied to a run). */
  unhandled: ErrorInfo | null;
  /** It returned, and its output was checked. */
  checks: CheckVerdicts | null;
  /** It returned through a recovery it did not fully recover from. */
  degraded: DegradedVerdict | null;
}
