const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;
/** Fields that are measured, not chosen: durations derived from the timestamps. */
const TIMING_KEYS = new Set(['duration_ms', 'elapsed_ms']);
/** OpenTelemetry ids are random per run. */
const OTEL_KEYS = new Set(['span_id']);

/**
 * Replaces what legitimately differs between two runs of one scenario (ids, timestamps and the
 * durations measured between them) with placeholders; everything else must be identical.
 */
export function normalizeRecord(value: unknown): unknown {
  return walk(value, '');
}

function walk(value: unknown, key: string): unknown {
  if (TIMING_KEYS.has(key) && typeof value === 'number') return '<ms>';
  if (OTEL_KEYS.has(key) && typeof value === 'string') return '<span>';
  if (key === 'otel' && value && typeof value === 'object') return '<otel>';
  if (typeof value === 'string') return value.replace(UUID, '<uuid>').replace(ISO, '<time>');
  if (Array.isArray(value)) return value.map((v) => walk(v, ''));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
  return value;
}

/** Normalizes CLI text output: ids, durations and paths. */
export function normalizeText(text: string, root: string): string {
  return text
    .replaceAll(root, '<root>')
    .replace(UUID, '<uuid>')
    .replace(/\b\d{8}T\d{6}Z-[0-9a-f]{6}\b/g, '<build>')
    .replace(/ +\d+ms\b/g, ' <ms>')
    .replace(/\d+\.\d+ s\b/g, '<s>');
}
