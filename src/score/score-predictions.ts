import type { DatasetLabel, DatasetPrediction } from '../contracts/dataset-label.ts';

/** One score: its value (null when nothing was scored) and how many traces it was computed over. */
export interface Score {
  value: number | null;
  count: number;
}

/** Every score `lab score` gives, over one set of traces (docs/analyzers.md, "Scores"). */
export interface Scores {
  kind_accuracy: Score;
  kind_macro_f1: Score;
  /** Gold kind (or "pass") -> predicted kind (or "pass") -> traces. */
  confusion: Record<string, Record<string, number>>;
  detection_precision: Score;
  detection_recall: Score;
  location_span_accuracy: Score;
  location_step_accuracy: Score;
  agent_attribution: Score;
  step_attribution: Score;
  /** Who&When's step-level accuracy against the injected faults (where the lab broke the run), not the detector's location. */
  injected_step_attribution: Score;
  /** Who&When's agent-level accuracy against the agents that own the injected faults' steps. */
  injected_agent_attribution: Score;
  trail_weighted_f1: Score;
  trail_location_accuracy: Score;
  trail_joint_accuracy: Score;
  mast_accuracy: Score;
}

/** What `lab score --json` prints. */
export interface ScoreReport {
  labels: number;
  predictions: number;
  scored: number;
  /** Labelled traces with no prediction (not scored). */
  missing: string[];
  /** Predictions of traces the labels do not have (not scored). */
  unknown: string[];
  overall: Scores;
  by_subject: Record<string, Scores>;
  by_kind: Record<string, Scores>;
}

type Pair = { gold: DatasetLabel; pred: DatasetPrediction };

/** Scores predictions against labels, overall and broken down by subject and by gold kind. */
export function scorePredictions(
  labels: readonly DatasetLabel[],
  predictions: readonly DatasetPrediction[],
): ScoreReport {
  const byId = new Map(predictions.map((p) => [p.trace_id, p]));
  const labelled = new Set(labels.map((l) => l.trace_id));
  const pairs: Pair[] = [];
  const missing: string[] = [];
  for (const gold of labels) {
    const pred = byId.get(gold.trace_id);
    if (pred) pairs.push({ gold, pred });
    else missing.push(gold.trace_id);
  }
  const unknown = predictions.filter((p) => !labelled.has(p.trace_id)).map((p) => p.trace_id);
  return {
    labels: labels.length,
    predictions: predictions.length,
    scored: pairs.length,
    missing: missing.sort(),
    unknown: unknown.sort(),
    overall: scoresOf(pairs),
    by_subject: grouped(pairs, (p) => p.gold.subject),
    by_kind: grouped(pairs, (p) => p.gold.kind ?? 'pass'),
  };
}

function grouped(pairs: readonly Pair[], key: (p: Pair) => string): Record<string, Scores> {
  const groups = new Map<string, Pair[]>();
  for (const p of pairs) groups.set(key(p), [...(groups.get(key(p)) ?? []), p]);
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, scoresOf(groups.get(k)!)]));
}

const ratio = (hits: number, count: number): Score => ({ value: count === 0 ? null : hits / count, count });

/** The share of pairs, among those `scored` selects, for which `hit` holds. */
function accuracy(pairs: readonly Pair[], scored: (p: Pair) => boolean, hit: (p: Pair) => boolean): Score {
  const chosen = pairs.filter(scored);
  return ratio(chosen.filter(hit).length, chosen.length);
}

function scoresOf(pairs: readonly Pair[]): Scores {
  const kindOf = (k: string | null | undefined) => k ?? 'pass';
  const withKind = pairs.filter((p) => p.pred.kind !== undefined);
  const failed = (p: Pair) => p.gold.kind !== null;
  const loc = (p: Pair) => p.pred.location;
  // A prediction of a pass (kind null, or location null) locates nothing: it misses every failure.
  const spanOf = (p: Pair) => (p.pred.kind === null ? null : loc(p) === null ? null : loc(p)?.span_id);
  const stepOf = (p: Pair) => (p.pred.kind === null ? null : loc(p) === null ? null : loc(p)?.step_index);
  // Injected faults that hit a step: where the lab broke the run, known by construction (docs/analyzers.md).
  const injected = (p: Pair) => p.gold.injected_faults.filter((f) => f.step_index !== null);
  const injectedFailure = (p: Pair) => failed(p) && injected(p).length > 0;

  const confusion: Record<string, Record<string, number>> = {};
  for (const p of withKind) {
    const row = (confusion[kindOf(p.gold.kind)] ??= {});
    row[kindOf(p.pred.kind)] = (row[kindOf(p.pred.kind)] ?? 0) + 1;
  }
  const predictedFailures = withKind.filter((p) => p.pred.kind !== null);
  const goldFailures = withKind.filter(failed);

  // TRAIL's metrics: over traces with a gold error that has a TRAIL category (its annotation files).
  const trail = pairs.filter((p) => failed(p) && p.gold.trail_category !== null);
  const trailScored = trail.filter((p) => p.pred.trail_category !== undefined || p.pred.kind === null);
  const trailCategory = (p: Pair) => (p.pred.kind === null ? null : (p.pred.trail_category ?? null));
  const trailLocated = trail.filter((p) => spanOf(p) !== undefined);

  return {
    kind_accuracy: accuracy(
      withKind,
      () => true,
      (p) => kindOf(p.gold.kind) === kindOf(p.pred.kind),
    ),
    kind_macro_f1: { value: withKind.length ? macroF1(withKind) : null, count: withKind.length },
    confusion,
    detection_precision: ratio(predictedFailures.filter(failed).length, predictedFailures.length),
    detection_recall: ratio(goldFailures.filter((p) => p.pred.kind !== null).length, goldFailures.length),
    location_span_accuracy: accuracy(
      pairs,
      (p) => failed(p) && spanOf(p) !== undefined,
      (p) => spanOf(p) === p.gold.location?.span_id,
    ),
    location_step_accuracy: accuracy(
      pairs,
      (p) => failed(p) && stepOf(p) !== undefined,
      (p) => stepOf(p) === p.gold.location?.step_index,
    ),
    agent_attribution: accuracy(
      pairs,
      (p) => failed(p) && p.pred.agent !== undefined,
      (p) => p.pred.agent === p.gold.agent,
    ),
    // Who&When's step-level accuracy: the decisive step named exactly (the step of the failure's location).
    step_attribution: accuracy(
      pairs,
      (p) => failed(p) && stepOf(p) !== undefined,
      (p) => stepOf(p) === p.gold.location?.step_index,
    ),
    // Over gold failures with an injected fault on a step (a run that survived its faults has nothing to attribute).
    // Several faults (a fuzz finding needs each of them): naming the step (the agent) of any one is a hit.
    injected_step_attribution: accuracy(
      pairs,
      (p) => injectedFailure(p) && stepOf(p) !== undefined,
      (p) => stepOf(p) !== null && injected(p).some((f) => f.step_index === stepOf(p)),
    ),
    injected_agent_attribution: accuracy(
      pairs,
      (p) => injectedFailure(p) && p.pred.agent !== undefined,
      (p) => p.pred.kind !== null && p.pred.agent !== null && injected(p).some((f) => f.agent === p.pred.agent),
    ),
    trail_weighted_f1: {
      value: trailScored.length ? weightedF1(trailScored.map((p) => [p.gold.trail_category!, trailCategory(p)])) : null,
      count: trailScored.length,
    },
    trail_location_accuracy: accuracy(
      trailLocated,
      () => true,
      (p) => spanOf(p) === p.gold.location!.span_id,
    ),
    trail_joint_accuracy: accuracy(
      trailLocated.filter((p) => p.pred.trail_category !== undefined || p.pred.kind === null),
      () => true,
      (p) => spanOf(p) === p.gold.location!.span_id && trailCategory(p) === p.gold.trail_category,
    ),
    mast_accuracy: accuracy(
      pairs,
      (p) => p.gold.mast_mode !== null && p.pred.mast_mode !== undefined,
      (p) => p.pred.mast_mode === p.gold.mast_mode,
    ),
  };
}

/** Macro-averaged F1 over every class that is gold or predicted (a pass is a class). */
function macroF1(pairs: readonly Pair[]): number {
  const g = (p: Pair) => p.gold.kind ?? 'pass';
  const q = (p: Pair) => p.pred.kind ?? 'pass';
  const classes = [...new Set(pairs.flatMap((p) => [g(p), q(p)]))];
  const f1s = classes.map((c) => {
    const tp = pairs.filter((p) => g(p) === c && q(p) === c).length;
    const fp = pairs.filter((p) => g(p) !== c && q(p) === c).length;
    const fn = pairs.filter((p) => g(p) === c && q(p) !== c).length;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return f1s.reduce((a, b) => a + b, 0) / classes.length;
}

/**
 * F1 per category weighted by its gold support, as TRAIL's scorer computes it (scikit-learn's
 * `f1_score(average="weighted", zero_division=0)` over one-hot rows): a category never gold
 * weighs nothing, and a category never predicted scores 0.
 */
export function weightedF1(rows: readonly (readonly [string, string | null])[]): number {
  const categories = [...new Set(rows.map(([gold]) => gold))];
  let total = 0;
  let weighted = 0;
  for (const c of categories) {
    const tp = rows.filter(([gold, pred]) => gold === c && pred === c).length;
    const fp = rows.filter(([gold, pred]) => gold !== c && pred === c).length;
    const fn = rows.filter(([gold, pred]) => gold === c && pred !== c).length;
    const support = tp + fn;
    const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    weighted += f1 * support;
    total += support;
  }
  return total === 0 ? 0 : weighted / total;
}
