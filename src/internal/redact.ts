/** Replaces every known secret in a text with a marker. */
export type Redact = (text: string) => string;

/** The text that stands where a secret was. */
export const REDACTED = '[REDACTED]';

/** Short values would redact ordinary words, so secrets under this length are not accepted. */
const MIN_SECRET_LENGTH = 6;

/** A redactor for the given secrets; empty and very short values are ignored. */
export function createRedactor(secrets: Iterable<string | undefined>): Redact {
  const list = [
    ...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)),
  ];
  if (list.length === 0) return (text) => text;
  // Longest first, so a secret that contains another is removed whole.
  list.sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of list) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    return out;
  };
}

/** The secrets the lab knows from its environment: API keys and the LAB_REDACT list (comma separated). */
export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const listed = (env.LAB_REDACT ?? '').split(',').map((s) => s.trim());
  return [env.OPENAI_API_KEY, env.COSMOS_KEY, ...listed].filter((s): s is string => Boolean(s));
}
