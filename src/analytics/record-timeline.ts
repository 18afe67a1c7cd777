import type { FailureRecord, FailureStatus } from '../contracts/failure-record.ts';

/** One status change of a record, with its time in ms. */
export interface Transition {
  from: FailureStatus | null;
  to: FailureStatus;
  atMs: number;
}

/**
 * A record as it stood at an instant: its status changes and escalations before it, and the times
 * analytics need. A record is read as of that instant, never as it is now, so an analysis of a
 * past instant gives the same answer whenever it runs.
 */
export interface RecordTimeline {
  recordedMs: number;
  /** The first lab.status_history entry: when the record was created. */
  createdMs: number;
  targetMs: number;
  /** Changes before the instant, oldest first (the creation included). */
  transitions: Transition[];
  status: FailureStatus;
  /** The first change to RESOLVED or PREVENTED: when the failure was first resolved. */
  firstResolvedMs: number | null;
  firstPreventedMs: number | null;
  escalationsMs: number[];
}

/** True for a status whose failure still needs work. */
export function isOpen(status: FailureStatus): boolean {
  return status === 'OPEN' || status === 'INVESTIGATING';
}

/** True for a change that reopened a resolved or prevented record (a recurrence). */
export function isReopen(t: Transition): boolean {
  return (t.from === 'RESOLVED' || t.from === 'PREVENTED') && isOpen(t.to);
}

/** The record as it stood just before `asOfMs`, or null when it was recorded at or after it. */
export function timelineAt(record: FailureRecord, asOfMs: number): RecordTimeline | null {
  const recordedMs = Date.parse(record.timestamp);
  if (!(recordedMs < asOfMs)) return null;
  const history = record.lab.status_history;
  const transitions: Transition[] = [];
  let ordered = true;
  for (const h of history) {
    const atMs = Date.parse(h.at);
    if (!(atMs < asOfMs)) continue;
    if (transitions.length > 0 && atMs < transitions.at(-1)!.atMs) ordered = false;
    transitions.push({ from: h.from, to: h.to, atMs });
  }
  // History is appended in order; the (stable) sort only guards against entries written out of order.
  if (!ordered) transitions.sort((a, b) => a.atMs - b.atMs);
  let firstResolvedMs: number | null = null;
  let firstPreventedMs: number | null = null;
  for (const t of transitions) {
    if (firstResolvedMs === null && (t.to === 'RESOLVED' || t.to === 'PREVENTED')) firstResolvedMs = t.atMs;
    if (firstPreventedMs === null && t.to === 'PREVENTED') firstPreventedMs = t.atMs;
  }
  return {
    recordedMs,
    createdMs: Date.parse(history[0]!.at),
    targetMs: Date.parse(record.metadata.sla_resolution_target),
    transitions,
    status: transitions.at(-1)?.to ?? history[0]!.to,
    firstResolvedMs,
    firstPreventedMs,
    escalationsMs: record.lab.escalations.map((e) => Date.parse(e.at)).filter((at) => at < asOfMs),
  };
}
