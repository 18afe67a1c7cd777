import path from 'node:path';
import { DatasetLabel, DatasetPrediction } from '../contracts/dataset-label.ts';
import { UsageError } from '../errors/usage-error.ts';
import { readLines } from '../score/read-lines.ts';
import { type Score, type ScoreReport, type Scores, scorePredictions } from '../score/score-predictions.ts';
import type { CliIo } from './io.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';

/** The score command's flags. */
export const scoreSpec: CommandSpec = {
  name: 'score',
  summary:
    "Scores an analyzer's predictions against a dataset's labels (lab dataset): kind accuracy, macro-F1 and the confusion matrix, failure detection, location by span and by step, agent and step attribution (Who&When) against the detector's location and against the injected faults, TRAIL's category weighted F1 and joint accuracy, MAST mode accuracy; each with its count, overall and by subject and kind.",
  options: {
    labels: { type: 'string', value: 'FILE', help: "the dataset's labels.ndjson (required)" },
    predictions: {
      type: 'string',
      value: 'FILE',
      help: "the analyzer's predictions, one line per trace in the labels' shape (required)",
    },
    json: { type: 'boolean', help: 'print the whole report as JSON' },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

const ROWS: [keyof Scores, string][] = [
  ['kind_accuracy', 'kind accuracy'],
  ['kind_macro_f1', 'kind macro-F1'],
  ['detection_precision', 'failure detection precision'],
  ['detection_recall', 'failure detection recall'],
  ['location_span_accuracy', 'location accuracy (span)'],
  ['location_step_accuracy', 'location accuracy (step)'],
  ['agent_attribution', 'agent attribution (Who&When)'],
  ['step_attribution', 'step attribution (Who&When)'],
  ['injected_step_attribution', 'step attribution (injected)'],
  ['injected_agent_attribution', 'agent attribution (injected)'],
  ['trail_weighted_f1', 'TRAIL category weighted F1'],
  ['trail_location_accuracy', 'TRAIL location accuracy'],
  ['trail_joint_accuracy', 'TRAIL joint accuracy'],
  ['mast_accuracy', 'MAST mode accuracy'],
];

/** Runs `score`; returns the exit code. */
export async function scoreCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(scoreSpec, argv, io.env);
  if (values.help) {
    io.out(
      `${helpText(scoreSpec, 'Usage: npm run lab -- score --labels FILE --predictions FILE [--json]')}\nExit codes: 0 scored; 2 bad input (the file and line are named).\n`,
    );
    return 0;
  }
  for (const flag of ['labels', 'predictions'] as const)
    if (typeof values[flag] !== 'string' || values[flag] === '')
      throw new UsageError({ message: `score needs --${flag} FILE` });
  const labels = await readLines(path.resolve(io.cwd, String(values.labels)), DatasetLabel);
  const predictions = await readLines(path.resolve(io.cwd, String(values.predictions)), DatasetPrediction);
  const report = scorePredictions(labels, predictions);
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else io.out(formatReport(report));
  return 0;
}

function cell(s: Score): string {
  return s.value === null ? '—' : s.value.toFixed(3);
}

/** The report as text: the scores with their counts, then kind accuracy by subject and by kind. */
export function formatReport(r: ScoreReport): string {
  const lines = [
    `${r.scored} of ${r.labels} labelled traces scored; ${r.missing.length} without a prediction, ${r.unknown.length} predictions of unknown traces`,
  ];
  if (r.missing.length)
    lines.push(`  missing: ${r.missing.slice(0, 10).join(', ')}${r.missing.length > 10 ? ', …' : ''}`);
  if (r.unknown.length)
    lines.push(`  unknown: ${r.unknown.slice(0, 10).join(', ')}${r.unknown.length > 10 ? ', …' : ''}`);
  lines.push('', `${'score'.padEnd(32)} ${'value'.padStart(7)} ${'count'.padStart(7)}`);
  for (const [key, name] of ROWS) {
    const s = r.overall[key] as Score;
    lines.push(`${name.padEnd(32)} ${cell(s).padStart(7)} ${String(s.count).padStart(7)}`);
  }
  const kinds = [
    ...new Set([...Object.keys(r.overall.confusion), ...Object.values(r.overall.confusion).flatMap(Object.keys)]),
  ].sort();
  if (kinds.length) {
    lines.push(
      '',
      `confusion (rows gold, columns predicted)`,
      `${''.padEnd(20)}${kinds.map((k) => k.padStart(20)).join('')}`,
    );
    for (const g of kinds)
      lines.push(`${g.padEnd(20)}${kinds.map((k) => String(r.overall.confusion[g]?.[k] ?? 0).padStart(20)).join('')}`);
  }
  for (const [title, groups] of [
    ['by subject', r.by_subject],
    ['by kind', r.by_kind],
  ] as const) {
    lines.push(
      '',
      `${title.padEnd(32)} ${'kind'.padStart(7)} ${'span'.padStart(7)} ${'TRAIL'.padStart(7)} ${'count'.padStart(7)}`,
    );
    for (const [name, s] of Object.entries(groups))
      lines.push(
        `${name.padEnd(32)} ${cell(s.kind_accuracy).padStart(7)} ${cell(s.location_span_accuracy).padStart(7)} ${cell(s.trail_joint_accuracy).padStart(7)} ${String(s.kind_accuracy.count).padStart(7)}`,
      );
  }
  return lines.join('\n');
}
