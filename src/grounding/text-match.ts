/**
 * How two strings are compared by every grounding check:
 * - `exact`: the same UTF-16 code units, nothing normalized;
 * - `ignore_case`: `exact` after toLowerCase on both (Unicode's default mapping, never a locale's);
 * - `normalized`: both put through {@link normalizeText} first (NFKC, invisible format characters
 *   removed, quote marks and dashes unified, whitespace collapsed and trimmed, lowercased).
 */
export type MatchMode = 'exact' | 'ignore_case' | 'normalized';

/** Every mode, for schemas and error messages. */
export const MATCH_MODES: readonly MatchMode[] = ['exact', 'ignore_case', 'normalized'];

/**
 * The mode every check uses unless told otherwise. A wrong flag is the worst bug, and what
 * `normalized` erases (case, width, spacing, typographic quotes and dashes) is presentation,
 * never a claim.
 */
export const DEFAULT_MATCH_MODE: MatchMode = 'normalized';

/** Whether a and b are the same text under mode. */
export function matchText(a: string, b: string, mode: MatchMode = DEFAULT_MATCH_MODE): boolean {
  return normalizeText(a, mode) === normalizeText(b, mode);
}

// Soft hyphen, zero-width spaces and joiners, bidi marks, BOM: invisible, so never part of a claim.
const FORMAT = /\p{Cf}/gu;
// Typographic double quotes, guillemets and the double prime (an inch mark) read as ".
const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u00AB\u00BB\u2033\u301D\u301E]/g;
// Typographic single quotes, single guillemets and the prime read as '.
const SINGLE_QUOTES = /[\u2018\u2019\u201A\u201B\u2039\u203A\u2032]/g;
// Hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar and minus sign read as -.
const DASHES = /[\u2010-\u2015\u2212]/g;

/** The text as mode compares it; `normalized` text also serves substring searches (quotes). */
export function normalizeText(text: string, mode: MatchMode = DEFAULT_MATCH_MODE): string {
  switch (mode) {
    case 'exact':
      return text;
    case 'ignore_case':
      return text.toLowerCase();
    case 'normalized':
      // Quotes before NFKC, which would turn the double prime into two primes.
      return text
        .replace(FORMAT, '')
        .replace(DOUBLE_QUOTES, '"')
        .replace(SINGLE_QUOTES, "'")
        .replace(DASHES, '-')
        .normalize('NFKC')
        .replace(/\s+/g, ' ')
        .trim()
        .toLowerCase();
  }
}
