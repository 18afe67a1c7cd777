// Many realistic runs from a few real ones, for the 10,000-run report test and benchmark: each
// clone is a real captured run (with its stored failure traces, recovery traces and fallback
// records) given new ids (trace, failure, span, OpenTelemetry), a new build id and later times,
// consistently across the run and the records derived from it. Deterministic: the same sources
// and count give the same clones.
import { createHash } from 'node:crypto';
import { type LabRecord, recordTypeOf } from '../../src/contracts/lab-record.ts';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const OTEL = /"([0-9a-f]{32}|[0-9a-f]{16})"/g;
const ISO = /"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"/g;

function hex(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += createHash('sha256').update(`${seed}:${i}`).digest('hex');
  return out.slice(0, length);
}

function uuidOf(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The run a record belongs to: a run itself, or the original_trace_id / trace_id of a derived record. */
function runOf(record: LabRecord): string | null {
  switch (recordTypeOf(record)) {
    case 'trace_record':
      return (record as TraceRecord).trace_id;
    case 'fallback':
      return (record as { trace_id: string }).trace_id;
    default:
      return (record as { original_trace_id: string | null }).original_trace_id;
  }
}

/**
 * `count` runs cloned round-robin from the runs in `records` (in their order), with the records
 * derived from each. Clone k of a pass belongs to build `${buildPrefix}-${pass}` and starts
 * `pass * spacingMs` after its source.
 */
export function cloneRuns(
  records: readonly LabRecord[],
  count: number,
  { buildPrefix = 'bench', spacingMs = 60_000, seed = 'clone' } = {},
): LabRecord[] {
  const runs = records.filter((r) => recordTypeOf(r) === 'trace_record') as TraceRecord[];
  const related = new Map<string, LabRecord[]>();
  for (const r of records) {
    if (recordTypeOf(r) === 'trace_record') continue;
    const owner = runOf(r);
    if (owner) related.set(owner, [...(related.get(owner) ?? []), r]);
  }
  if (runs.length === 0) throw new Error('cloneRuns needs at least one run');
  const out: LabRecord[] = [];
  for (let k = 0; k < count; k++) {
    const source = runs[k % runs.length]!;
    const pass = Math.floor(k / runs.length);
    const ids = new Map<string, string>();
    const fresh = (old: string, length: number) => {
      let id = ids.get(old);
      if (!id) ids.set(old, (id = length === 36 ? uuidOf(`${seed}:${k}:${old}`) : hex(`${seed}:${k}:${old}`, length)));
      return id;
    };
    const shift = (iso: string) => new Date(Date.parse(iso) + pass * spacingMs).toISOString();
    for (const record of [source, ...(related.get(source.trace_id) ?? [])]) {
      const text = JSON.stringify(record)
        .replace(UUID, (u) => fresh(u, 36))
        .replace(OTEL, (_, h: string) => `"${fresh(h, h.length)}"`)
        .replace(ISO, (_, t: string) => `"${shift(t)}"`);
      const clone = JSON.parse(text) as LabRecord;
      if (recordTypeOf(clone) === 'trace_record') {
        const run = clone as TraceRecord;
        run.build_id = `${buildPrefix}-${String(pass).padStart(3, '0')}`;
        // One attempt per build, as one capture is: the runs of a pass share it.
        if (source.attempt_id !== null) run.attempt_id = uuidOf(`${seed}:attempt:${pass}:${source.attempt_id}`);
      }
      out.push(clone);
    }
  }
  return out;
}
