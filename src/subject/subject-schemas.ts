import { z } from 'zod';
import type { Subject } from './subject.ts';

/**
 * A subject's input and output as JSON Schema, as `lab subjects` publishes them: what the lab
 * accepts, which is the input side of each zod schema. For the output that matters: the lab
 * validates the value a run returns with `outputSchema.safeParse`, and a `z.object` strips keys it
 * does not know rather than rejecting them, so the published schema allows them too (zod's output
 * side would say `additionalProperties: false`, which the lab never enforced). A `z.strictObject`
 * rejects them, and its schema says so. Refinements (`.refine`, `.superRefine`) have no JSON Schema:
 * the README's subject table names each one.
 */
export function subjectJsonSchemas(subject: Subject<any, any>): {
  input_schema: Record<string, unknown>;
  output_schema: Record<string, unknown>;
} {
  return {
    input_schema: z.toJSONSchema(subject.inputSchema, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >,
    output_schema: z.toJSONSchema(subject.outputSchema, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >,
  };
}
