/** One step of a path: an object key, an array index, or every element ("*"). */
export type PathToken = string | number;

/** A path that does not follow the path language, with where it goes wrong and how to write it. */
export class PathSyntaxError extends Error {
  constructor(path: string, at: number, expected: string) {
    super(
      `"${path}" is not a valid path at character ${at + 1}: expected ${expected} (write keys with dots, indexes as [0], every element as [*], e.g. "documents[*].id")`,
    );
    this.name = 'PathSyntaxError';
  }
}

const KEY = /^[A-Za-z_$][\w$-]*/;
const INDEX = /^\[(\*|\d+)\]/;

/**
 * Parses the path language of scenario files: keys joined by dots ("a.b"), [n] indexes and [*]
 * for every element ("items[*].price"); "" is the whole value. A key starts with a letter, "_" or
 * "$" and holds letters, digits, "_", "$" and "-". Anything else throws PathSyntaxError.
 */
export function parsePath(path: string): PathToken[] {
  const tokens: PathToken[] = [];
  let at = 0;
  while (at < path.length) {
    const rest = path.slice(at);
    if (tokens.length > 0 && rest.startsWith('.')) {
      const key = KEY.exec(rest.slice(1));
      if (!key) throw new PathSyntaxError(path, at + 1, 'a key after "."');
      tokens.push(key[0]);
      at += 1 + key[0].length;
      continue;
    }
    const index = INDEX.exec(rest);
    if (index) {
      tokens.push(index[1] === '*' ? '*' : Number(index[1]));
      at += index[0].length;
      continue;
    }
    const key = tokens.length === 0 ? KEY.exec(rest) : null;
    if (!key) throw new PathSyntaxError(path, at, tokens.length === 0 ? 'a key or [index]' : '".key", "[n]" or "[*]"');
    tokens.push(key[0]);
    at += key[0].length;
  }
  return tokens;
}

/**
 * Selects values by a path (see parsePath): missing keys, indexes past the end and [*] on a
 * non-array select nothing; they never throw. Only own keys are followed ("constructor" selects
 * nothing on a plain object).
 */
export function selectPath(value: unknown, path: string | readonly PathToken[]): unknown[] {
  let current: unknown[] = [value];
  for (const token of typeof path === 'string' ? parsePath(path) : path) {
    const next: unknown[] = [];
    for (const item of current) {
      if (token === '*') {
        if (Array.isArray(item)) next.push(...item);
      } else if (typeof token === 'number') {
        if (Array.isArray(item) && token < item.length) next.push(item[token]);
      } else if (typeof item === 'object' && item !== null && !Array.isArray(item) && Object.hasOwn(item, token)) {
        next.push((item as Record<string, unknown>)[token]);
      }
    }
    current = next;
  }
  return current;
}

/** A JSON Schema, as z.toJSONSchema writes one. */
type JsonSchema = { [key: string]: unknown };

/**
 * Whether a path can select anything in some value that the JSON Schema accepts, and if not, why
 * ("no key "citation"; its keys are answer, citations"). Unions and refs are followed; a schema
 * that says nothing of a level (any value) lets every path through.
 */
export function pathInSchema(
  tokens: readonly PathToken[],
  schema: JsonSchema,
): { ok: true } | { ok: false; reason: string } {
  const root = schema;
  const resolve = (s: JsonSchema): JsonSchema => {
    const ref = s.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return s;
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) target = (target as JsonSchema | undefined)?.[part];
    return typeof target === 'object' && target !== null ? resolve(target as JsonSchema) : {};
  };
  const branches = (s: JsonSchema): JsonSchema[] => {
    const r = resolve(s);
    const alternatives = [r.anyOf, r.oneOf].find(Array.isArray) as JsonSchema[] | undefined;
    const all = Array.isArray(r.allOf) ? (r.allOf as JsonSchema[]) : [];
    if (alternatives) return alternatives.flatMap(branches);
    if (all.length > 0) return all.flatMap(branches);
    return [r];
  };
  let level = [schema];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next: JsonSchema[] = [];
    const reasons: string[] = [];
    for (const s of level.flatMap(branches)) {
      const type = s.type;
      const open = type === undefined && s.properties === undefined && s.items === undefined;
      if (open) return { ok: true };
      if (token !== '*' && typeof token === 'string') {
        const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
        if (Object.hasOwn(properties, token)) next.push(properties[token]!);
        else if (s.additionalProperties !== false && (type === 'object' || type === undefined))
          next.push(typeof s.additionalProperties === 'object' ? (s.additionalProperties as JsonSchema) : {});
        else
          reasons.push(
            type === 'object'
              ? `no key "${token}"; its keys are ${Object.keys(properties).join(', ') || '(none)'}`
              : `a ${String(type)} has no key "${token}"`,
          );
      } else if (type === 'array' || s.items !== undefined || s.prefixItems !== undefined) {
        const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as JsonSchema[]) : [];
        if (typeof token === 'number' && token < prefix.length) next.push(prefix[token]!);
        else if (token === '*' && prefix.length > 0) next.push(...prefix);
        if (s.items && typeof s.items === 'object') next.push(s.items as JsonSchema);
        else if (s.items === undefined && prefix.length === 0) next.push({});
      } else reasons.push(`a ${String(type)} has no elements to select with [${String(token)}]`);
    }
    if (next.length === 0)
      return { ok: false, reason: `at ${describe(tokens.slice(0, i))}: ${[...new Set(reasons)].join('; ')}` };
    level = next;
  }
  return { ok: true };
}

function describe(tokens: readonly PathToken[]): string {
  if (tokens.length === 0) return 'the top';
  return tokens.map((t, i) => (typeof t === 'number' ? `[${t}]` : t === '*' ? '[*]' : i === 0 ? t : `.${t}`)).join('');
}
