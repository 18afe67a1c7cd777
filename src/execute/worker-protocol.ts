import type { MessagePort } from 'node:worker_threads';
import type { Preview } from '../contracts/common.ts';
import type { ReplayExchange, ReplayToolResult } from '../contracts/replay.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { RunEnd } from '../classify/run-end.ts';
import type { SessionInfo } from './subject-context.ts';
import type { ResponseIdentity } from './step-observer.ts';

/** What the main thread gives a pooled worker to run one scenario (the task). */
export interface WorkerInput {
  subjectFile: string;
  scenario: Scenario;
  session: SessionInfo;
  deadlineMs: number;
  secrets: readonly string[];
  /** False runs the recovery helpers without recording them. */
  recordRecovery: boolean;
  /** Send whole exchanges and tool results to the main thread (capture --record-replies). */
  keepReplay: boolean;
  /** The main thread's EPOCH_OFFSET_MS, so both threads keep time on one clock. */
  epochOffsetMs: number;
  /** Where the worker posts its messages; the main thread can drain it synchronously at the deadline. */
  port: MessagePort;
}

/** What a worker tells the main thread, in order: started, steps as they go, then done (or a lab error). */
export type WorkerMessage =
  | { type: 'started'; startMs: number }
  | { type: 'begin'; step: TraceStep; startMs: number }
  | { type: 'end'; step: TraceStep; endMs: number; response?: ResponseIdentity }
  | { type: 'replay-exchange'; entry: ReplayExchange }
  | { type: 'replay-tool'; entry: ReplayToolResult }
  | {
      type: 'done';
      end: Pick<RunEnd, 'thrown' | 'unhandled' | 'checks' | 'degraded'>;
      output: Preview | null;
      endMs: number;
    }
  | { type: 'lab-error'; name: string; message: string; exitCode: number }
  /** After done: the run left the thread unclean (or it served its share of runs), so it ends instead of serving another. */
  | { type: 'retired'; reason: string };
