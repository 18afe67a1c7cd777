import type { CaptureResult, CaptureSummary } from '../capture/run-capture.ts';

const KINDS = ['timeout', 'exception', 'validation_error', 'hallucination_flag', 'pass'] as const;

/** Longest failure message a mismatch line quotes; the whole message is in --json and the store. */
const MESSAGE_WIDTH = 200;

/** A message as one trimmed line: whitespace runs (newlines included) become one space. */
export function oneLine(text: string, width = MESSAGE_WIDTH): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/**
 * One human line per run; a mismatch adds its failure message and, from `evidence`, where to see
 * the run's records (README, "The CLI").
 */
export function formatResultLine(
  r: CaptureResult,
  done: number,
  total: number,
  live: boolean,
  evidence: (r: CaptureResult) => string = () => '--json prints the run',
): string {
  const mark = r.lab_error ? '!' : live ? '·' : r.matched && r.stored && r.retrieved ? '✓' : '✗';
  const counter = `[${String(done).padStart(String(total).length)}/${total}]`;
  const id = r.repeat > 0 ? `${r.scenario}#${r.repeat}` : r.scenario;
  // depth: levels of the run's failure cascade (0: no failure); recovery: where its recovery ended (-: none tried).
  const cascade = r.lab_error ? '' : ` depth ${r.cascade_depth} recovery ${(r.recovery ?? '-').padEnd(9)}`;
  const head = `${mark} ${counter} ${id.padEnd(42)} ${r.subject.padEnd(18)} expected ${(r.expected ?? 'pass').padEnd(18)} detected ${(r.lab_error ? '-' : (r.detected ?? 'pass')).padEnd(18)}${cascade} ${`${Math.round(r.duration_ms)}ms`.padStart(7)}`;
  if (r.lab_error) return `${head}\n    ${r.lab_error.name}: ${r.lab_error.message.split('\n').join('\n    ')}`;
  const key = r.failure_id ? `failure_id ${r.failure_id}` : `trace_id ${r.trace_id}`;
  const store = r.stored && r.retrieved ? '' : r.stored ? ' NOT RETRIEVED' : ' NOT STORED';
  if (live || r.matched) return `${head} ${key}${store}`;
  const why = r.message
    ? oneLine(r.message)
    : `no failure detected, where the scenario expects ${r.expected ?? 'a pass'}`;
  return `${head} ${key}${store}\n    ${why}\n    evidence: ${evidence(r)}`;
}

/** The summary table: per kind, expected against detected, then the totals. */
export function formatSummary(s: CaptureSummary, storeName: string): string {
  const lines = ['', `${'outcome'.padEnd(20)}${'expected'.padStart(10)}${'detected'.padStart(10)}`];
  for (const kind of KINDS) {
    const row = s.by_kind[kind]!;
    lines.push(`${kind.padEnd(20)}${String(row.expected).padStart(10)}${String(row.detected).padStart(10)}`);
  }
  lines.push('');
  const verdict = s.live
    ? `${s.matched} matched the expected outcome (live mode: reported, not enforced)`
    : `${s.matched} as expected, ${s.mismatched} mismatched`;
  lines.push(
    `${s.runs} runs: ${verdict}; ${s.retrieved}/${s.runs} stored in ${storeName} and retrieved intact${s.lab_errors ? `; ${s.lab_errors} lab error${s.lab_errors === 1 ? '' : 's'}` : ''}; ${(s.duration_ms / 1000).toFixed(2)} s`,
  );
  lines.push(`build ${s.build_id}`);
  if (s.ledger) lines.push(...ledgerLines(s.ledger));
  if (s.ledger_error)
    lines.push(`ledger: the build's failures were not recorded (the runs are stored): ${s.ledger_error}`);
  lines.push(s.exit_code === 0 ? 'OK' : `FAILED (exit ${s.exit_code})`);
  return lines.join('\n');
}

/** The JSON line of one run (--json). */
export function jsonResultLine(r: CaptureResult): string {
  return JSON.stringify({
    scenario: r.scenario,
    subject: r.subject,
    repeat: r.repeat,
    expected: r.expected,
    detected: r.lab_error ? null : r.detected,
    matched: r.matched,
    failure_id: r.failure_id,
    trace_id: r.trace_id,
    stored: r.stored,
    retrieved: r.retrieved,
    duration_ms: Math.round(r.duration_ms * 1000) / 1000,
    message: r.message,
    cascade_depth: r.cascade_depth,
    recovery: r.recovery,
    related: r.related,
    lab_error: r.lab_error,
  });
}

/** What recording the build did in the failure ledger, in a few lines. */
function ledgerLines(l: NonNullable<CaptureSummary['ledger']>): string[] {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const severities = Object.entries(l.by_severity)
    .map(([severity, n]) => `${n} ${severity}`)
    .join(', ');
  const lines = [
    `ledger: ${plural(l.recorded, 'failure')} recorded (${plural(l.occurrences, 'run')}${severities ? `; ${severities}` : ''}), ${plural(l.repeats, 'repeat')}, ${plural(l.regressions, 'regression')}${l.already_recorded ? `, ${l.already_recorded} already recorded` : ''}`,
  ];
  // One line per recipient, however many escalations: each one is in --json, the ledger and the report.
  const byRecipient = new Map<string, { level: string; to: string | null; failures: Set<string> }>();
  for (const e of l.escalations.list) {
    const key = `${e.level}\u0000${e.to ?? ''}`;
    const entry = byRecipient.get(key) ?? { level: e.level, to: e.to, failures: new Set<string>() };
    entry.failures.add(e.failure_id);
    byRecipient.set(key, entry);
  }
  for (const { level, to, failures } of byRecipient.values()) {
    const who = level === 'build_owner' ? 'the build owner' : 'the escalation contact';
    const variable = level === 'build_owner' ? 'LAB_BUILD_OWNER' : 'LAB_ESCALATION_CONTACT';
    lines.push(
      `escalated: ${plural(failures.size, 'failure')} to ${who} ${to ?? `(not configured: set ${variable})`}; each is in --json, failures list and the report`,
    );
  }
  return lines;
}
