import type { FailureRecord, FailureStatus } from '../contracts/failure-record.ts';
import { UsageError } from '../errors/usage-error.ts';

/**
 * The status lifecycle: OPEN → INVESTIGATING → RESOLVED → PREVENTED, back to OPEN on a
 * recurrence (a regression) or a reopen. PREVENTED is reached only through a verified prevention
 * (`failures prevent`), never by setting it.
 */
export const TRANSITIONS: Record<FailureStatus, readonly FailureStatus[]> = {
  OPEN: ['INVESTIGATING'],
  INVESTIGATING: ['RESOLVED', 'OPEN'],
  RESOLVED: ['PREVENTED', 'OPEN'],
  PREVENTED: ['OPEN'],
};

/** The statuses a person may set with `failures update --status`; PREVENTED needs a verification. */
export function allowedByHand(from: FailureStatus): FailureStatus[] {
  return TRANSITIONS[from].filter((to) => to !== 'PREVENTED');
}

/**
 * A record moved to `to`, its transition in the history with time, actor and note; the revision
 * is left to the writer (a compare-and-swap bumps it). An illegal transition is a UsageError
 * (exit 2) naming the allowed ones.
 */
export function transition(
  record: FailureRecord,
  to: FailureStatus,
  {
    at,
    actor,
    note = null,
    buildId = null,
    verified = false,
  }: { at: string; actor: string; note?: string | null; buildId?: string | null; verified?: boolean },
): FailureRecord {
  const from = record.status;
  const allowed = verified ? TRANSITIONS[from] : allowedByHand(from);
  if (!allowed.includes(to)) {
    const id = record.failure_id;
    // Every move the lifecycle allows from here, each with the command that makes it, so the
    // message names PREVENTED too although no `--status` reaches it (README, "Lifecycle").
    const how = (target: FailureStatus): string =>
      target === 'PREVENTED'
        ? `PREVENTED (through a verified prevention: \`failures prevent ${id} --regression FILE --control FILE\`)`
        : target === 'RESOLVED'
          ? `RESOLVED (\`failures resolve ${id} --type TYPE --description TEXT\`)`
          : `${target} (\`failures update ${id} --status ${target}\`)`;
    const targets = TRANSITIONS[from];
    throw new UsageError({
      message: `failure ${id} is ${from}: it cannot become ${to}${TRANSITIONS[from].includes(to) ? ' this way' : ''}. From ${from} it can become ${targets.map(how).join(' or ')}.`,
    });
  }
  return {
    ...record,
    status: to,
    lab: {
      ...record.lab,
      status_history: [...record.lab.status_history, { from, to, at, actor, note, build_id: buildId }],
    },
  };
}
