/**
 * Selects values by a small path language: dot keys, [n] indexes and [*] for every element.
 * "" selects the value itself. Missing keys select nothing; they never throw.
 */
export function selectPath(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const token of tokenize(path)) {
    const next: unknown[] = [];
    for (const item of current) {
      if (token === '*') {
        if (Array.isArray(item)) next.push(...item);
      } else if (typeof token === 'number') {
        if (Array.isArray(item) && token < item.length) next.push(item[token]);
      } else if (typeof item === 'object' && item !== null && Object.hasOwn(item, token)) {
        next.push((item as Record<string, unknown>)[token]);
      }
    }
    current = next;
  }
  return current;
}

/** Splits "a.b[2][*].c" into ["a", "b", 2, "*", "c"]. */
export function tokenize(path: string): (string | number)[] {
  const tokens: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\*|\d+)\]/g)) {
    if (match[1] !== undefined) tokens.push(match[1]);
    else tokens.push(match[2] === '*' ? '*' : Number(match[2]));
  }
  return tokens;
}
