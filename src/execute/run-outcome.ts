import type { Preview } from '../contracts/common.ts';
import type { InjectedFault } from '../contracts/fault.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { Clock } from '../internal/clock.ts';
import type { Redact } from '../internal/redact.ts';
import type { StepSpans } from '../telemetry/step-spans.ts';
import type { Subject } from '../subject/subject.ts';
import type { Detection } from '../classify/detection.ts';
import type { ReplaySink } from './replay-log.ts';
import type { SessionInfo } from './subject-context.ts';

/** What an executor (inline or worker) hands back: the classification, the output and the steps. */
export interface RunOutcome {
  detection: Detection | null;
  /** The returned value, or null when the run threw, died or was cut off. */
  output: Preview | null;
  steps: TraceStep[];
  startMs: number;
  endMs: number;
  /** The faults the lab injected into the run (its MCP proxy's, so far), each with the step it hit. */
  injectedFaults?: InjectedFault[];
}

/** What an executor needs to run one scenario. */
export interface RunRequest<I> {
  subject: Subject<I, any>;
  scenario: Scenario;
  input: I;
  session: SessionInfo;
  deadlineMs: number;
  clock: Clock;
  redact: Redact;
  secrets: readonly string[];
  spans: StepSpans;
  /** False runs the recovery helpers without recording them (default true). */
  recordRecovery?: boolean;
  /** Where whole exchanges and tool results go (capture --record-replies); null keeps none. */
  replay?: ReplaySink | null;
}
