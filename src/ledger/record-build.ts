import pLimit from 'p-limit';
import type { OccurrenceGroup } from '../contracts/failure-occurrence.ts';
import { type Escalation, FailureRecord, FINGERPRINT_VERSION } from '../contracts/failure-record.ts';
import { ConflictError } from '../errors/conflict-error.ts';
import { StoreError } from '../errors/store-error.ts';
import { toError } from '../internal/to-error.ts';
import type { FailureLedger } from '../ledger-store/failure-ledger.ts';
import { updateFailure } from '../ledger-store/update-failure.ts';
import { categorize, PRIORITY_OF, slaTarget } from './categorize.ts';
import { type Occurrence, recordId } from './occurrence.ts';
import { suggestedPrevention } from './prevention-rules.ts';

/** How a build is recorded in the ledger. */
export interface LedgerSettings {
  buildId: string;
  /** The ledger clock: when the build is recorded (capture's start, or LAB_NOW). */
  at: string;
  /** LAB_BUILD_OWNER: owner of new failures, and whom a second occurrence escalates to. */
  buildOwner: string | null;
  /** LAB_ESCALATION_CONTACT: whom a third occurrence (and later ones) escalates to. */
  escalationContact: string | null;
  /** Occurrences further back than this are not repeats (LAB_REPEAT_WINDOW_DAYS, default 90). */
  repeatWindowDays: number;
  reporter: string;
}

/** Occurrence data kept per fingerprint: the first occurrence whole, the rest counted. */
interface Group {
  first: Occurrence;
  count: number;
  traceIds: string[];
  scenarioIds: Set<string>;
}

/** What recording a build did, for capture's summary and --json. */
export interface LedgerSummary {
  build_id: string;
  /** New records (one per fingerprint). */
  recorded: number;
  /** Runs behind them. */
  occurrences: number;
  repeats: number;
  regressions: number;
  escalations: {
    build_owner: number;
    escalation_contact: number;
    list: { failure_id: string; level: Escalation['level']; to: string | null; occurrence: number }[];
  };
  by_severity: Record<string, number>;
  /** Records of this build already in the ledger (a build recorded again): left as they were. */
  already_recorded: number;
}

const MAX_TRACE_IDS = 100;
const GROUPS_AT_ONCE = 8;

function emptySummary(buildId: string): LedgerSummary {
  return {
    build_id: buildId,
    recorded: 0,
    occurrences: 0,
    repeats: 0,
    regressions: 0,
    escalations: { build_owner: 0, escalation_contact: 0, list: [] },
    by_severity: {},
    already_recorded: 0,
  };
}

function addSummary(into: LedgerSummary, part: LedgerSummary): void {
  into.recorded += part.recorded;
  into.occurrences += part.occurrences;
  into.repeats += part.repeats;
  into.regressions += part.regressions;
  into.already_recorded += part.already_recorded;
  for (const [severity, n] of Object.entries(part.by_severity))
    into.by_severity[severity] = (into.by_severity[severity] ?? 0) + n;
  into.escalations.build_owner += part.escalations.build_owner;
  into.escalations.escalation_contact += part.escalations.escalation_contact;
  into.escalations.list.push(...part.escalations.list);
}

/** The first by start time (then trace id) stands for a group, whatever order runs finished in. */
function isEarlier(a: Occurrence, b: Occurrence): boolean {
  return a.started_at < b.started_at || (a.started_at === b.started_at && (a.trace_id ?? '') < (b.trace_id ?? ''));
}
const DAY_MS = 86_400_000;

/**
 * Collects a build's failures, one group per fingerprint (capture --repeat N runs a scenario N
 * times: one record, N occurrences), and records them in the ledger once the build is over: new
 * records with their repeats, escalations and regressions. Memory grows with the number of
 * distinct failures, not of runs.
 */
export class BuildRecorder {
  readonly #groups = new Map<string, Group>();

  add(occurrence: Occurrence): void {
    const group = this.#groups.get(occurrence.fingerprint);
    if (!group) {
      this.#groups.set(occurrence.fingerprint, {
        first: occurrence,
        count: 1,
        traceIds: occurrence.trace_id ? [occurrence.trace_id] : [],
        scenarioIds: new Set(occurrence.signals.scenario_id ? [occurrence.signals.scenario_id] : []),
      });
      return;
    }
    group.count++;
    if (occurrence.trace_id && group.traceIds.length < MAX_TRACE_IDS) group.traceIds.push(occurrence.trace_id);
    if (occurrence.signals.scenario_id && group.scenarioIds.size < MAX_TRACE_IDS)
      group.scenarioIds.add(occurrence.signals.scenario_id);
    if (isEarlier(occurrence, group.first)) group.first = occurrence;
  }

  /** Adds the groups another recorder collected (a shard's, read from its manifest by merge). */
  absorb(snapshot: OccurrenceGroup): void {
    const group = this.#groups.get(snapshot.first.fingerprint);
    if (!group) {
      this.#groups.set(snapshot.first.fingerprint, {
        first: snapshot.first,
        count: snapshot.count,
        traceIds: snapshot.trace_ids.slice(0, MAX_TRACE_IDS),
        scenarioIds: new Set(snapshot.scenario_ids.slice(0, MAX_TRACE_IDS)),
      });
      return;
    }
    group.count += snapshot.count;
    // Whichever order the shards are read in, the same ids are kept: the smallest.
    group.traceIds = [...new Set([...group.traceIds, ...snapshot.trace_ids])].sort().slice(0, MAX_TRACE_IDS);
    group.scenarioIds = new Set([...group.scenarioIds, ...snapshot.scenario_ids].sort().slice(0, MAX_TRACE_IDS));
    if (isEarlier(snapshot.first, group.first)) group.first = snapshot.first;
  }

  /** The groups collected, in fingerprint order, as a shard manifest keeps them. */
  snapshot(): OccurrenceGroup[] {
    return [...this.#groups.values()]
      .sort((a, b) => (a.first.fingerprint < b.first.fingerprint ? -1 : 1))
      .map((g) => ({
        first: g.first,
        count: g.count,
        trace_ids: [...g.traceIds].sort(),
        scenario_ids: [...g.scenarioIds].sort(),
      }));
  }

  get size(): number {
    return this.#groups.size;
  }

  /** Records every group; the single writer of this build's records (shards leave it to merge). */
  async commit(ledger: FailureLedger, settings: LedgerSettings): Promise<LedgerSummary> {
    const groups = [...this.#groups.values()].sort((a, b) => (a.first.fingerprint < b.first.fingerprint ? -1 : 1));
    // Groups touch disjoint records (a group's repeats and regressions share its fingerprint), so
    // several are recorded at once: each is a few round trips to a remote ledger. Each writes its
    // own summary, and they are added up in fingerprint order, so the summary reads the same.
    const limit = pLimit(GROUPS_AT_ONCE);
    // Every group is tried, even after one fails (a full disk, a size limit), so the error can say
    // what was recorded and what was not; a rerun with the same build id records the rest.
    const parts = await Promise.allSettled(
      groups.map((group) =>
        limit(async () => {
          const part = emptySummary(settings.buildId);
          await recordGroup(ledger, group, settings, part);
          return part;
        }),
      ),
    );
    const summary = emptySummary(settings.buildId);
    const failed: { fingerprint: string; reason: string }[] = [];
    parts.forEach((part, i) => {
      if (part.status === 'fulfilled') addSummary(summary, part.value);
      else failed.push({ fingerprint: groups[i]!.first.fingerprint, reason: toError(part.reason).message });
    });
    if (failed.length > 0) {
      const written = groups.length - failed.length;
      throw new StoreError({
        store: ledger.name,
        message: `recorded ${written} of ${groups.length} failure groups of build ${settings.buildId} (${summary.recorded} new, ${summary.already_recorded} already recorded); not recorded: ${failed.length} (${failed
          .slice(0, 3)
          .map((f) => `${f.fingerprint.slice(0, 12)}: ${f.reason}`)
          .join(
            '; ',
          )}${failed.length > 3 ? '; …' : ''}). Free the disk and capture again with the same --build-id: recording a build is idempotent, so the rest is added and nothing twice`,
        cause: parts.find((p) => p.status === 'rejected')?.reason,
      });
    }
    return summary;
  }
}

async function recordGroup(
  ledger: FailureLedger,
  group: Group,
  settings: LedgerSettings,
  summary: LedgerSummary,
): Promise<void> {
  const { first } = group;
  const failureId = recordId(first, settings.buildId);
  const existing = await ledger.get(failureId);
  if (existing) {
    // Recorded already (a rerun of the build, a capture running beside this one, or an attempt
    // killed during its commit): left as it is, but its reopening of an earlier record, which
    // that attempt may not have lived to write, is made sure of.
    summary.already_recorded++;
    await reopenRegressed(ledger, existing);
    return;
  }
  const rule = categorize(first.signals);
  const triage = first.triage;
  const category = triage.category ?? rule.category;
  const subcategory =
    triage.subcategory ?? (triage.category && triage.category !== rule.category ? null : rule.subcategory);
  const severity = triage.severity ?? rule.severity;
  const overridden = triage.category || triage.subcategory || triage.severity;

  // Repeats: same fingerprint (which holds the component), same category and subcategory, within the window.
  const since = new Date(Date.parse(settings.at) - settings.repeatWindowDays * DAY_MS).toISOString();
  const previous = (await allOf(ledger, first.fingerprint)).filter(
    (r) =>
      r.timestamp >= since &&
      r.timestamp <= settings.at &&
      r.category === category &&
      r.subcategory === (subcategory ?? r.subcategory) &&
      r.build_id !== settings.buildId,
  );
  const last = previous.at(-1);
  const occurrence = previous.length + 1;
  const escalations: Escalation[] = [];
  if (occurrence >= 2) {
    const level = occurrence === 2 ? 'build_owner' : 'escalation_contact';
    escalations.push({
      level,
      to: level === 'build_owner' ? settings.buildOwner : settings.escalationContact,
      at: settings.at,
      occurrence,
      build_id: settings.buildId,
    });
  }
  const regressionOf = last && (last.status === 'RESOLVED' || last.status === 'PREVENTED') ? last : null;

  const record: FailureRecord = {
    schema_version: 1,
    record_type: 'failure_record',
    failure_id: failureId,
    build_id: settings.buildId,
    timestamp: settings.at,
    category,
    subcategory: (subcategory ?? firstSubcategoryOf(category)) as FailureRecord['subcategory'],
    severity,
    status: 'OPEN',
    failure_description: {
      summary: first.summary,
      details: first.details,
      error_message: first.error_message,
      stack_trace: first.stack_trace,
      logs_url: null,
    },
    context: {
      phase:
        first.signals.capture === 'not_stored' || first.signals.capture === 'not_retrieved' ? 'INTEGRATION' : 'TESTING',
      component: first.signals.component,
      file_path: first.file,
      line_number: null,
    },
    root_cause: {
      analysis_status: 'PENDING',
      root_cause_summary: first.root_cause_summary,
      contributing_factors: first.contributing_factors,
      why_not_prevented: null,
    },
    resolution: {
      resolution_type: null,
      resolution_description: null,
      resolution_commit: null,
      resolution_pr: null,
      resolution_timestamp: null,
      resolved_by: null,
    },
    prevention: {
      prevention_measures: suggestedPrevention(first.signals),
      governance_updates: [],
      precondition_updates: [],
      test_additions: [],
      documentation_updates: [],
    },
    repetition_tracking: {
      is_repeat: previous.length > 0,
      previous_occurrence_ids: previous.map((r) => r.failure_id),
      repeat_count: previous.length,
      days_since_last_occurrence: last
        ? Math.floor((Date.parse(settings.at) - Date.parse(last.timestamp)) / DAY_MS)
        : null,
    },
    learning: {
      lessons_learned: [],
      governance_implications: null,
      fm_evolution_implications: null,
      propagation_required: false,
      propagation_status: 'PENDING',
    },
    metadata: {
      reporter: settings.reporter,
      owner: triage.owner ?? settings.buildOwner,
      priority: PRIORITY_OF[severity],
      sla_resolution_target: slaTarget(settings.at, severity),
      tags: [...new Set([...first.tags, ...(triage.tags ?? [])])],
    },
    lab: {
      revision: 1,
      fingerprint: first.fingerprint,
      fingerprint_version: FINGERPRINT_VERSION,
      source: first.signals.source,
      rule: overridden ? 'triage' : rule.id,
      subject_id: first.signals.subject_id,
      scenario_id: first.signals.scenario_id,
      kind: first.signals.kind,
      expected: first.signals.expected,
      failure_type: first.signals.failure_type,
      trace_id: first.trace_id,
      failure_trace_ids: first.failure_trace_ids,
      occurrences: {
        count: group.count,
        trace_ids: [...group.traceIds].sort(),
        scenario_ids: [...group.scenarioIds].sort(),
      },
      escalations,
      regression: regressionOf ? { of: regressionOf.failure_id, build_id: settings.buildId } : null,
      reopened_by: [],
      status_history: [
        {
          from: null,
          to: 'OPEN',
          at: settings.at,
          actor: 'lab',
          note: regressionOf ? `a regression: ${regressionOf.failure_id} was ${regressionOf.status}` : null,
          build_id: settings.buildId,
        },
      ],
      verification: null,
    },
  };
  try {
    await ledger.create(FailureRecord.parse(record));
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // Another writer of this build created it first: its record stands, as above.
    summary.already_recorded++;
    const stored = await ledger.get(failureId);
    if (stored) await reopenRegressed(ledger, stored);
    return;
  }
  if (regressionOf) {
    await reopenRegressed(ledger, record);
    summary.regressions++;
  }
  summary.recorded++;
  summary.occurrences += group.count;
  if (previous.length > 0) summary.repeats++;
  summary.by_severity[severity] = (summary.by_severity[severity] ?? 0) + 1;
  for (const e of escalations) {
    summary.escalations[e.level]++;
    summary.escalations.list.push({ failure_id: failureId, level: e.level, to: e.to, occurrence: e.occurrence });
  }
}

/**
 * A regression brings the record it regresses back to OPEN, with the build it came back in. The
 * change is idempotent (a record already reopened by this one, or no longer closed, is left as it
 * is, and updateFailure writes nothing), and it depends on the new record alone, so every writer
 * of the build, and every attempt, makes the same change once.
 */
async function reopenRegressed(ledger: FailureLedger, record: FailureRecord): Promise<void> {
  const regression = record.lab.regression;
  if (regression === null) return;
  await updateFailure(ledger, regression.of, (current) =>
    (current.status === 'RESOLVED' || current.status === 'PREVENTED') &&
    !current.lab.reopened_by.some((r) => r.failure_id === record.failure_id)
      ? {
          ...current,
          status: 'OPEN',
          lab: {
            ...current.lab,
            reopened_by: [
              ...current.lab.reopened_by,
              { failure_id: record.failure_id, build_id: record.build_id, at: record.timestamp },
            ],
            status_history: [
              ...current.lab.status_history,
              {
                from: current.status,
                to: 'OPEN',
                at: record.timestamp,
                actor: 'lab',
                note: `a regression: recurred in build ${record.build_id} as ${record.failure_id}`,
                build_id: record.build_id,
              },
            ],
          },
        }
      : current,
  );
}

/** Every record with a fingerprint, oldest first. */
async function allOf(ledger: FailureLedger, fingerprint: string): Promise<FailureRecord[]> {
  const out: FailureRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await ledger.query({ fingerprint, limit: 500, cursor });
    out.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** When a triage block changes the category alone, the subcategory becomes the category's first. */
function firstSubcategoryOf(category: FailureRecord['category']): string {
  const first: Record<FailureRecord['category'], string> = {
    ARCHITECTURE: 'ARCHITECTURE_INCOMPLETE',
    QA: 'QA_COVERAGE_INCOMPLETE',
    SCOPE: 'SCOPE_AMBIGUOUS',
    INFRA: 'INFRA_ENVIRONMENT',
    GOVERNANCE: 'GOVERNANCE_RULE_CONFLICT',
    INTEGRATION: 'INTEGRATION_API_MISMATCH',
    UNKNOWN: 'UNKNOWN_ROOT_CAUSE',
  };
  return first[category];
}
