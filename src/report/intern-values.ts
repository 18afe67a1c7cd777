// Runs of one scenario repeat the same content: the same request and reply, the same error and
// stack, the same validation issues, the same recovery. The page keeps each large value (a string,
// an object or an array of INTERN_MIN_CHARS or more as JSON) that occurs twice or more once, in a
// table, and puts {"$t": index} where it occurred; the page's script puts the values back when it
// opens a run. What differs from run to run (ids, times, durations) stays in place, so data with
// nothing repeated is left as it was.

/** Values whose JSON is shorter than this stay where they are: a reference would save too little. */
export const INTERN_MIN_CHARS = 48;

/** A value with its repeated large parts replaced by references into `texts`. */
export interface Interned<T> {
  /** The repeated values, whole, in order of first occurrence. */
  texts: unknown[];
  value: T;
}

/**
 * Replaces every large value that occurs twice or more (the outermost, when a repeated value
 * holds others) with a reference. Equal values are found by hash-consing: each value gets the id
 * of its shape (its kind, keys and the ids of its parts), in one pass, so the cost grows with the
 * size of the data, not with its depth. Deterministic: the same value gives the same bytes.
 */
export function internValues<T>(value: T): Interned<T> {
  const counts: number[] = [];
  /** The JSON length of each id's value (strings without their escapes: close enough for a threshold). */
  const sizes: number[] = [];
  const stringIds = new Map<string, number>();
  const otherIds = new Map<string, number>();
  const objectIds = new WeakMap<object, number>();
  const newId = (size: number) => {
    counts.push(0);
    sizes.push(size);
    return counts.length - 1;
  };
  const leafId = (v: unknown): number => {
    if (typeof v === 'string') {
      let id = stringIds.get(v);
      if (id === undefined) stringIds.set(v, (id = newId(v.length + 2)));
      return id;
    }
    const json = JSON.stringify(v) ?? 'null';
    let id = otherIds.get(json);
    if (id === undefined) otherIds.set(json, (id = newId(json.length)));
    return id;
  };
  // Pass 1: the id of every value (equal values, equal ids) and how often each id occurs.
  const visit = (v: unknown): number => {
    let id: number;
    if (v === null || typeof v !== 'object') id = leafId(v);
    else {
      let size = 2;
      let signature: string;
      if (Array.isArray(v)) {
        signature = 'a';
        for (let i = 0; i < v.length; i++) {
          const c = visit(v[i]);
          signature += `${c},`;
          size += sizes[c]! + (i ? 1 : 0);
        }
      } else {
        signature = 'o';
        let i = 0;
        for (const [k, child] of Object.entries(v)) {
          const c = visit(child);
          const key = JSON.stringify(k);
          signature += `${key}:${c},`;
          size += key.length + 1 + sizes[c]! + (i++ ? 1 : 0);
        }
      }
      let shared = otherIds.get(signature);
      if (shared === undefined) otherIds.set(signature, (shared = newId(size)));
      id = shared;
      objectIds.set(v, id);
    }
    counts[id]!++;
    return id;
  };
  // The top level (the map of runs) is never a repeat: only what is under its keys is counted.
  const top = Array.isArray(value) ? value : Object.values(value as object);
  top.forEach(visit);

  const index = new Map<number, number>();
  const texts: unknown[] = [];
  // Pass 2: replace the outermost repeated values.
  const replace = (v: unknown): unknown => {
    const isObject = v !== null && typeof v === 'object';
    if (isObject || typeof v === 'string') {
      const id = isObject ? objectIds.get(v as object)! : stringIds.get(v as string)!;
      if (counts[id]! >= 2 && sizes[id]! >= INTERN_MIN_CHARS) {
        let i = index.get(id);
        if (i === undefined) {
          i = texts.length;
          index.set(id, i);
          texts.push(v);
        }
        return { $t: i };
      }
    }
    if (!isObject) return v;
    if (Array.isArray(v)) return v.map(replace);
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(v as object)) out[key] = replace(child);
    return out;
  };
  const out = Array.isArray(value)
    ? value.map(replace)
    : Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, replace(v)]));
  return { texts, value: out as T };
}

/** The inverse of internValues for one value (what the page's script does for the run it opens). */
export function resolveValues<T>(value: unknown, texts: readonly unknown[]): T {
  if (Array.isArray(value)) return value.map((v) => resolveValues(v, texts)) as T;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$t' && typeof (value as { $t: unknown }).$t === 'number')
      return texts[(value as { $t: number }).$t] as T;
    return Object.fromEntries(keys.map((k) => [k, resolveValues((value as Record<string, unknown>)[k], texts)])) as T;
  }
  return value as T;
}
