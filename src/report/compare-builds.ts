import type { FailureRecord } from '../contracts/failure-record.ts';
import type { Comparison, RunRow } from './report-data.ts';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type FailureEntry = Comparison['new_failures'][number];

/** Failures told apart by the ledger's fingerprint: one entry per fingerprint recorded in the build. */
function byFingerprint(
  records: readonly FailureRecord[],
  buildId: string,
  runIds: ReadonlySet<string>,
): Map<string, FailureEntry> {
  const out = new Map<string, FailureEntry>();
  for (const r of records) {
    if (r.build_id !== buildId) continue;
    const scenarios = r.lab.occurrences.scenario_ids.length
      ? r.lab.occurrences.scenario_ids
      : r.lab.scenario_id
        ? [r.lab.scenario_id]
        : [];
    const existing = out.get(r.lab.fingerprint);
    if (existing) {
      existing.scenarios = [...new Set([...existing.scenarios, ...scenarios])].sort(compare);
      continue;
    }
    out.set(r.lab.fingerprint, {
      key: r.lab.fingerprint,
      label: `${r.category} / ${r.subcategory}: ${r.failure_description.summary}`,
      severity: r.severity,
      scenarios: [...new Set(scenarios)].sort(compare),
      trace_id: r.lab.trace_id !== null && runIds.has(r.lab.trace_id) ? r.lab.trace_id : null,
    });
  }
  return out;
}

/** Failures told apart by subject, scenario and detected kind, when the ledger holds neither build. */
function byScenarioAndKind(rows: readonly RunRow[]): Map<string, FailureEntry> {
  const out = new Map<string, FailureEntry>();
  for (const r of rows) {
    if (r.detected === 'pass') continue;
    const key = `${r.scenario_id} ${r.detected}`;
    if (!out.has(key))
      out.set(key, {
        key,
        label: `${r.detected} in ${r.subject_id}`,
        severity: null,
        scenarios: [r.scenario_id],
        trace_id: r.trace_id,
      });
  }
  return out;
}

/**
 * What changed from a baseline build to a build: scenarios added and removed, runs whose detected
 * kind changed (runs are paired by scenario and repeat index), and failures that are new or gone.
 * Every list is sorted, so the same two builds always compare alike.
 */
export function compareBuilds(options: {
  baselineId: string;
  buildId: string;
  baseline: readonly RunRow[];
  current: readonly RunRow[];
  ledger: readonly FailureRecord[];
  runIds: ReadonlySet<string>;
}): Comparison {
  const { baseline, current } = options;
  const scenariosOf = (rows: readonly RunRow[]) => new Set(rows.map((r) => r.scenario_id));
  const before = scenariosOf(baseline);
  const after = scenariosOf(current);
  const pairKey = (r: RunRow) => `${r.scenario_id}\u0000${r.repeat_index}`;
  // The first run of a scenario and repeat in each build (in start order) stands for it.
  const firstOf = (rows: readonly RunRow[]) => {
    const m = new Map<string, RunRow>();
    for (const r of [...rows].sort((a, b) => compare(a.started_at, b.started_at) || compare(a.trace_id, b.trace_id)))
      if (!m.has(pairKey(r))) m.set(pairKey(r), r);
    return m;
  };
  const old = firstOf(baseline);
  const kindChanged: Comparison['kind_changed'] = [];
  for (const [key, now] of firstOf(current)) {
    const was = old.get(key);
    if (was && was.detected !== now.detected) {
      kindChanged.push({
        scenario_id: now.scenario_id,
        subject_id: now.subject_id,
        repeat_index: now.repeat_index,
        expected: now.expected,
        baseline: was.detected,
        current: now.detected,
        baseline_trace_id: was.trace_id,
        trace_id: now.trace_id,
      });
    }
  }
  kindChanged.sort((a, b) => compare(a.scenario_id, b.scenario_id) || a.repeat_index - b.repeat_index);

  const ledgerHas = options.ledger.some((r) => r.build_id === options.buildId || r.build_id === options.baselineId);
  const failuresNow = ledgerHas
    ? byFingerprint(options.ledger, options.buildId, options.runIds)
    : byScenarioAndKind(current);
  const failuresBefore = ledgerHas
    ? byFingerprint(options.ledger, options.baselineId, options.runIds)
    : byScenarioAndKind(baseline);
  const sorted = (m: Map<string, FailureEntry>, exclude: Map<string, FailureEntry>) =>
    [...m.values()]
      .filter((f) => !exclude.has(f.key))
      .sort((a, b) => compare(a.label, b.label) || compare(a.key, b.key));
  return {
    baseline_id: options.baselineId,
    build_id: options.buildId,
    baseline_runs: baseline.length,
    runs: current.length,
    scenarios_added: [...after].filter((s) => !before.has(s)).sort(compare),
    scenarios_removed: [...before].filter((s) => !after.has(s)).sort(compare),
    kind_changed: kindChanged,
    failures_by: ledgerHas ? 'fingerprint' : 'scenario_and_kind',
    new_failures: sorted(failuresNow, failuresBefore),
    failures_gone: sorted(failuresBefore, failuresNow),
  };
}
