import { z } from 'zod';
import { IsoTime } from './common.ts';

/** What kind of failure a failure-trace entry is: error, timeout, violation (of a contract) or resource (exhaustion). */
export const FailureType = z.enum(['error', 'timeout', 'violation', 'resource']);
export type FailureType = z.infer<typeof FailureType>;

/** One failure in a cascade: the primary (hop 0, no parent) or one it propagated to. */
export const CascadeEntry = z.strictObject({
  failure_id: z.string().min(1),
  parent_failure_id: z.string().min(1).nullable().describe('null only for the primary failure.'),
  ref: z.string().min(1).describe('The span id, step or component where this failure showed.'),
  failure_type: z.enum([...FailureType.options, 'propagated']),
  timestamp: IsoTime,
  message: z.string().nullable(),
  propagation_hop: z.int().nonnegative().describe('0 for the primary, one more for each level of cascade.'),
});
export type CascadeEntry = z.infer<typeof CascadeEntry>;

const FailureTraceShape = z.strictObject({
  schema_version: z.literal(1),
  trace_id: z.string().min(1),
  trace_type: z.literal('failure'),
  started_at: IsoTime,
  ended_at: IsoTime.nullable(),
  primary_failure_id: z.string().min(1),
  primary_ref: z
    .string()
    .min(1)
    .describe(
      'Where the failure began: the deepest step (the tool that timed out, not the agent that failed because of it).',
    ),
  primary_type: FailureType,
  primary_message: z.string().nullable(),
  primary_timestamp: IsoTime,
  cascade: z.array(CascadeEntry),
  original_trace_id: z.string().nullable().describe('The TraceRecord (run) this failure trace belongs to.'),
  domain: z.string().nullable(),
  component: z.string().nullable(),
});

/**
 * A failure and its cascade, with the three cascade rules enforced on validation:
 * 1. tree: parent_failure_id forms a tree rooted at the primary (its parent is null);
 * 2. hop: propagation_hop is 0 at the primary and one more per level;
 * 3. temporal: no failure is earlier than its parent.
 */
export const FailureTrace = FailureTraceShape.superRefine((trace, ctx) => {
  const issue = (message: string, path: (string | number)[]) => ctx.addIssue({ code: 'custom', message, path });
  if (trace.cascade.length === 0) return;
  const byId = new Map<string, { entry: CascadeEntry; index: number }>();
  trace.cascade.forEach((entry, index) => {
    if (byId.has(entry.failure_id))
      issue(`cascade rule 1 (tree): failure_id ${entry.failure_id} appears twice`, ['cascade', index, 'failure_id']);
    byId.set(entry.failure_id, { entry, index });
  });
  const roots = trace.cascade.filter((e) => e.parent_failure_id === null);
  if (roots.length !== 1 || roots[0]!.failure_id !== trace.primary_failure_id) {
    issue(
      `cascade rule 1 (tree): exactly one entry, the primary ${trace.primary_failure_id}, must have parent_failure_id null (found ${roots.map((r) => r.failure_id).join(', ') || 'none'})`,
      ['cascade'],
    );
  }
  trace.cascade.forEach((entry, index) => {
    if (entry.parent_failure_id === null) {
      if (entry.propagation_hop !== 0)
        issue(`cascade rule 2 (hop): the primary has propagation_hop ${entry.propagation_hop}, not 0`, [
          'cascade',
          index,
          'propagation_hop',
        ]);
      return;
    }
    const parent = byId.get(entry.parent_failure_id);
    if (!parent)
      return issue(`cascade rule 1 (tree): parent_failure_id ${entry.parent_failure_id} is not in the cascade`, [
        'cascade',
        index,
        'parent_failure_id',
      ]);
    // Walk up to the root: a cycle never reaches it.
    const seen = new Set([entry.failure_id]);
    for (
      let up: CascadeEntry | undefined = parent.entry;
      up;
      up = up.parent_failure_id === null ? undefined : byId.get(up.parent_failure_id)?.entry
    ) {
      if (seen.has(up.failure_id)) {
        issue(`cascade rule 1 (tree): failure ${entry.failure_id} is in a cycle`, [
          'cascade',
          index,
          'parent_failure_id',
        ]);
        break;
      }
      seen.add(up.failure_id);
    }
    if (entry.propagation_hop !== parent.entry.propagation_hop + 1) {
      issue(
        `cascade rule 2 (hop): ${entry.failure_id} has propagation_hop ${entry.propagation_hop}, but its parent has ${parent.entry.propagation_hop}`,
        ['cascade', index, 'propagation_hop'],
      );
    }
    if (entry.timestamp < parent.entry.timestamp)
      issue(
        `cascade rule 3 (temporal): ${entry.failure_id} (${entry.timestamp}) is earlier than its parent (${parent.entry.timestamp})`,
        ['cascade', index, 'timestamp'],
      );
  });
}).describe(
  'A failure and its cascade (see "Cascades and recovery" in the README). JSON Schema cannot state the cascade rules, which the zod contract enforces: 1. tree rooted at the primary (parent_failure_id null only there); 2. propagation_hop 0 at the primary and one more per level; 3. no entry earlier than its parent.',
);
export type FailureTrace = z.infer<typeof FailureTrace>;
