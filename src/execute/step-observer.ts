import type { TraceStep } from '../contracts/trace-step.ts';

/** What a model endpoint's reply said of itself: gen_ai.response.id and gen_ai.response.model. */
export interface ResponseIdentity {
  id: string | null;
  model: string | null;
}

/**
 * Told when a step begins and when it ends. Inline, a tracing observer turns steps into spans;
 * in a worker, an observer posts them to the main thread, which traces them there.
 */
export interface StepObserver {
  /** Returns the id of the span that stands for the step, if there is one. */
  begin(step: TraceStep, startMs: number): string | null;
  /** `response`: the id and model a model endpoint's reply named, for the span (records do not keep them). */
  end(step: TraceStep, endMs: number, response?: ResponseIdentity): void;
}

/** Ends a step: timings, status and error; an aborted model call keeps nothing timing-dependent. */
export function closeStep(
  step: TraceStep,
  status: TraceStep['status'],
  error: TraceStep['error'],
  startMs: number,
  endMs: number,
  iso: (ms: number) => string,
): void {
  Object.assign(step, { ended_at: iso(endMs), duration_ms: endMs - startMs, status, error });
  if (status === 'aborted' && step.type === 'model_call') {
    // How far a call had got when the run was cut off depends on timing, not on the scenario: keep none of it.
    Object.assign(step, { http_status: null, response: null, finish_reason: null, usage: null, tool_calls: [] });
  }
}
