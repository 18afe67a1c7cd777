import { safeStringify } from './safe-stringify.ts';

/**
 * Replaces every known secret in a text with a marker. The rules are in the README ("Secrets"):
 * a secret is matched as it is and in the forms JSON gives it (escaped once, twice, three times,
 * and with non-ASCII as \u escapes), and so is any start of it at least IDENTIFYING_PREFIX
 * characters long (an error that quotes the first characters of a reply, a text cut short).
 */
export interface Redact {
  (text: string): string;
  /** Where secrets (or their identifying starts) are in a text: sorted, disjoint [start, end) ranges. */
  readonly find: (text: string) => readonly Range[];
  /** False when there is no secret to redact (every text is returned as it is). */
  readonly active: boolean;
}

/** A [start, end) range of a text. */
export type Range = readonly [start: number, end: number];

/** The text that stands where a secret was. */
export const REDACTED = '[REDACTED]';

/** Short values would redact ordinary words, so secrets under this length are not accepted. */
const MIN_SECRET_LENGTH = 6;

/**
 * How many first characters of a secret identify it: any run of text this long (or longer) that
 * starts a secret is redacted, as far as it goes on matching the secret.
 */
export const IDENTIFYING_PREFIX = 8;

/** How many times a secret may have been JSON-escaped (a body inside a string inside a record). */
const ESCAPE_DEPTH = 3;

/** The forms a secret takes in text the lab stores: as it is, JSON-escaped, and ASCII-escaped. */
function formsOf(secret: string): string[] {
  const forms = new Set([secret]);
  let escaped = secret;
  for (let i = 0; i < ESCAPE_DEPTH; i++) {
    escaped = JSON.stringify(escaped).slice(1, -1);
    forms.add(escaped);
  }
  // Serializers that keep JSON to ASCII (Python's json.dumps, say) write \uXXXX for the rest.
  forms.add(
    JSON.stringify(secret)
      .slice(1, -1)
      .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
  return [...forms];
}

const identity: Redact = Object.assign((text: string) => text, { find: () => [], active: false });

/** A redactor for the given secrets; empty and very short values are ignored. */
export function createRedactor(secrets: Iterable<string | undefined>): Redact {
  const list = [
    ...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)),
  ];
  if (list.length === 0) return identity;
  // Each form is searched by its identifying start, then followed as far as the text agrees with it.
  const byHead = new Map<string, string[]>();
  for (const form of list.flatMap(formsOf)) {
    const head = form.slice(0, IDENTIFYING_PREFIX);
    const forms = byHead.get(head) ?? [];
    if (!forms.includes(form)) forms.push(form);
    byHead.set(head, forms);
  }
  const heads = [...byHead];
  const find = (text: string): Range[] => {
    const found: [number, number][] = [];
    for (const [head, forms] of heads) {
      for (let at = text.indexOf(head); at !== -1; at = text.indexOf(head, at + 1)) {
        let end = at + head.length;
        for (const form of forms) {
          let i = head.length;
          while (i < form.length && text.charCodeAt(at + i) === form.charCodeAt(i)) i++;
          end = Math.max(end, at + i);
        }
        found.push([at, end]);
      }
    }
    if (found.length === 0) return found;
    found.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [found[0]!];
    for (const [start, end] of found.slice(1)) {
      const last = merged.at(-1)!;
      if (start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    return merged;
  };
  const redact = (text: string): string => {
    const ranges = find(text);
    if (ranges.length === 0) return text;
    let out = '';
    let from = 0;
    for (const [start, end] of ranges) {
      out += text.slice(from, start) + REDACTED;
      from = end;
    }
    return out + text.slice(from);
  };
  return Object.assign(redact, { find, active: true });
}

/**
 * The one way a value is serialized for a record: its strings are redacted before serialization
 * (so a secret with `"` or `\` is matched as it is, not as JSON escaped it), then the text is
 * redacted again (object keys, and anything a toJSON produced).
 */
export function redactedJson(value: unknown, redact: Redact): string {
  if (!redact.active) return safeStringify(value);
  return redact(safeStringify(value, redact));
}

/** A JSON copy of a value with every secret redacted (a value JSON cannot hold is kept as its text). */
export function redactedCopy(value: unknown, redact: Redact): unknown {
  const text = redactedJson(value, redact);
  if (typeof value === 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The secrets the lab knows from its environment: API keys and the LAB_REDACT list (comma separated). */
export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const listed = (env.LAB_REDACT ?? '').split(',').map((s) => s.trim());
  return [env.OPENAI_API_KEY, env.COSMOS_KEY, ...listed].filter((s): s is string => Boolean(s));
}
