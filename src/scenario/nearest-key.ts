import type { z } from 'zod';

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas a value at a path may be checked against (several for a union without a discriminator value). */
function objectsAt(schema: z.ZodType, path: readonly PropertyKey[], value: unknown): Def[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return objectsAt(def.innerType!, path, value);
    case 'pipe':
      return objectsAt(def.in!, path, value);
    case 'union': {
      const tag = def.discriminator && isRecord(value) ? value[def.discriminator] : undefined;
      const options = def.options!.filter(
        (option) =>
          tag === undefined || objectsAt(option, [], undefined).some((o) => accepts(o, def.discriminator!, tag)),
      );
      return options.flatMap((option) => objectsAt(option, path, value));
    }
  }
  if (path.length === 0) return def.type === 'object' ? [def] : [];
  const [head, ...rest] = path;
  const child = isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[head!] : undefined;
  if (def.type === 'object' && typeof head === 'string' && def.shape![head])
    return objectsAt(def.shape![head]!, rest, child);
  if (def.type === 'array') return objectsAt(def.element!, rest, child);
  if (def.type === 'record') return objectsAt(def.valueType!, rest, child);
  return [];
}

function accepts(object: Def, key: string, tag: unknown): boolean {
  const field = object.shape?.[key];
  return field !== undefined && field.safeParse(tag).success;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The keys the schema knows for the object at a path of a value (as a validation issue's path gives it). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[], value: unknown): string[] {
  return [...new Set(objectsAt(schema, path, value).flatMap((def) => Object.keys(def.shape ?? {})))];
}

/**
 * Edit distance counting a swap of two neighbours as one edit (optimal string alignment), so
 * "modle" is one edit from "model". A few lines, not a dependency: the key lists are short.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}

/**
 * The known key a misspelt one most likely meant: the nearest by edit distance, within a third
 * of the longer name (at least 2 edits), or one that contains it ("deadline_ms" for
 * "deadline", "max_retries" for "retries"); null when none is near. Case is ignored.
 */
export function nearestKey(key: string, known: readonly string[]): string | null {
  if (key.length > 200) return null;
  let best: { key: string; distance: number } | null = null;
  const lower = key.toLowerCase();
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    const limit = Math.max(2, Math.floor(Math.max(key.length, candidate.length) / 3));
    const prefix = lower.length >= 3 && candidate.toLowerCase().includes(lower);
    if ((distance <= limit || prefix) && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key ?? null;
}
