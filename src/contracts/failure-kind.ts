import { z } from 'zod';

/** The four ways the detection wrapper can classify a failing run. */
export const FAILURE_KINDS = ['validation_error', 'exception', 'timeout', 'hallucination_flag'] as const;

/** A failure kind; a run with none of them passes. */
export const FailureKind = z.enum(FAILURE_KINDS).describe('How the detection wrapper classified a failing run.');
/** A failure kind; a run with none of them passes. */
export type FailureKind = z.infer<typeof FailureKind>;

/**
 * When several kinds could apply to one run, the first in this list wins.
 * Each stage makes the later ones meaningless: a run past its deadline has no trustworthy
 * result, a run that threw has no output to validate, and output that breaks its schema
 * cannot be grounded.
 */
export const KIND_PRECEDENCE: readonly FailureKind[] = [
  'timeout',
  'exception',
  'validation_error',
  'hallucination_flag',
];

/** An expected or detected outcome: a failure kind, or null for a pass. */
export const Outcome = FailureKind.nullable();
/** An expected or detected outcome: a failure kind, or null for a pass. */
export type Outcome = z.infer<typeof Outcome>;
