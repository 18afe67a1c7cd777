import { createHash } from 'node:crypto';
import { FINGERPRINT_VERSION } from '../contracts/failure-record.ts';
import type { FailureSignals } from './failure-signals.ts';

/**
 * Replacements that make a message stable: what differs between two occurrences of one failure
 * (ids, hashes, times, numbers, quoted values, paths of temporary files) becomes a placeholder.
 * Order matters: the most specific patterns first.
 */
const NORMALIZE: readonly [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b[0-9a-f]{16,}\b/gi, '<hex>'],
  [/(?:\/[\w.-]+){2,}/g, '<path>'],
  [/"[^"]*"|'[^']*'|“[^”]*”/g, '<quoted>'],
  [/\b\d+(?:[.,]\d+)*\b/g, '<n>'],
  [/\s+/g, ' '],
];

/** A failure's message with everything that changes between occurrences replaced. */
export function normalizeMessage(message: string): string {
  return NORMALIZE.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message).trim();
}

/**
 * The fingerprint of a failure, version 1: "fp1:" and the first 32 hex digits of the SHA-256 of
 * a canonical JSON of its stable parts (see "Fingerprints" in the README). It is built from the
 * subject, the source (run or capture) and the kind with its source, the error class and code,
 * the HTTP status class, the component where the failure began, the normalized message, the
 * validation issue paths (indices generalized) with their codes, and the grounding checks with
 * their paths; for a failure of the capture, also the scenario and the expected kind. Never from
 * ids, times or values that change between runs.
 */
export function fingerprint(s: FailureSignals): string {
  const parts = {
    v: FINGERPRINT_VERSION,
    source: s.source,
    capture: s.capture,
    subject: s.subject_id,
    scenario: s.source === 'capture' ? s.scenario_id : null,
    expected: s.source === 'capture' ? s.expected : null,
    kind: s.kind,
    kind_source: s.timeout_source ?? s.validation_source,
    error_class: s.error_class,
    error_code: s.error_code,
    http_status_class: s.http_status === null ? null : `${Math.floor(s.http_status / 100)}xx`,
    component: s.component,
    message: normalizeMessage(s.message),
    validation: [...new Set(s.validation_issues.map((i) => `${i.path}:${i.code}`))].sort(),
    grounding: [...new Set(s.grounding.map((g) => `${g.check}:${g.path}`))].sort(),
  };
  return `fp${FINGERPRINT_VERSION}:${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32)}`;
}
