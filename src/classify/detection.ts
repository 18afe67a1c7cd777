import type { ErrorInfo } from '../contracts/common.ts';
import type { GroundingFlag, ValidationIssue } from '../contracts/failure-event.ts';

/** Why a run is a timeout: cut off at its deadline, held past it by synchronous work, or a request of it timed out. */
export type TimeoutSource = 'deadline' | 'overrun' | 'request_timeout';

/**
 * Which schema a validation_error broke: the subject's declared output schema, the model's
 * structured output (openai's zod helpers, or ctx.parseModelOutput), a schema inside a tool, or a
 * schema the subject applied to something else (its config, a tool result it parsed itself).
 */
export type ValidationSource = 'output_schema' | 'model_output_schema' | 'tool_schema' | 'subject_schema';

/** The one classification of a failing run, as plain data (it crosses from a worker thread). */
export type Detection = (
  | { kind: 'timeout'; source: TimeoutSource; error: ErrorInfo | null }
  | {
      kind: 'exception';
      error: ErrorInfo;
      /** The agent the error belongs to, when its framework says so (a guardrail of that agent tripped). */
      agent?: string;
    }
  | {
      kind: 'validation_error';
      source: ValidationSource;
      issues: ValidationIssue[];
      error: ErrorInfo | null /** Which value broke which schema, in words, for the message. */;
      where?: string;
    }
  | { kind: 'hallucination_flag'; flags: GroundingFlag[] }
) & {
  /** Added to the event's message: why a run that returned a valid answer still failed (it was degraded). */
  note?: string;
};
