import { normalizeText } from './text-match.ts';

/** A quoted passage in an output: the text between its marks (trimmed), and where its opening mark is. */
export interface Quotation {
  text: string;
  index: number;
}

/** A mark whose direction comes from its neighbours: double quotes (" “ ” „) and single quotes (' ‘ ’ ‚). */
const FLANKED: ReadonlyMap<string, 'double' | 'single'> = new Map([
  ['"', 'double'],
  ['\u201C', 'double'],
  ['\u201D', 'double'],
  ['\u201E', 'double'],
  ["'", 'single'],
  ['\u2018', 'single'],
  ['\u2019', 'single'],
  ['\u201A', 'single'],
]);

/** Guillemets point the way they face, so they need no neighbours (French sets them apart with spaces). */
const MIRROR: ReadonlyMap<string, string> = new Map([
  ['\u00AB', '\u00BB'],
  ['\u00BB', '\u00AB'],
  ['\u2039', '\u203A'],
  ['\u203A', '\u2039'],
]);

/** Low marks (German „…“, ‚…‘) only ever open. */
const LOW = new Set(['\u201E', '\u201A']);

/** Words that begin with an elided letter ("get 'em"), so their apostrophe is no opening quote. */
const ELISIONS = /^(?:em|tis|twas|cause|til|till|bout|round|n)\b/i;

/** A passage needs two letters or digits: 'n' in "rock 'n' roll" is no quotation. */
const MIN_ALNUM = 2;

interface Open {
  family: string;
  mark: string;
  index: number;
}

/**
 * Quoted passages, outermost first-to-last. Pairing rule: a straight or curly quote opens when it
 * has text after it and a space, a line start or punctuation before it, and closes when it has
 * text before it and a space, a line end or punctuation after it (a mark with both is a closer
 * when its kind of quote is open); a mark with letters or digits on both sides, or spaces on both
 * sides, or an opening single mark before a digit ("the '90s") or an elision ("'em"), is no quote.
 * So apostrophes ("don't", "James' book" outside a quotation) and inch marks (a 12" pipe) never
 * open a passage. A closer pairs with the nearest open mark of its kind; marks opened after that
 * one and never closed are dropped, and so is a mark never closed. Guillemets pair « » and ‹ ›
 * (also reversed, » « and › ‹). A passage inside another is part of the outer one and is not
 * returned apart.
 */
export function quotesIn(text: string): Quotation[] {
  const stack: Open[] = [];
  const closed: { start: number; end: number; text: string }[] = [];
  for (let i = 0; i < text.length; i++) {
    const mark = text[i] as string;
    const family = FLANKED.get(mark) ?? (MIRROR.has(mark) ? 'guillemet' : undefined);
    if (family === undefined) continue;
    const role = roleOf(text, i, family, stack);
    if (role === 'open') stack.push({ family, mark, index: i });
    if (role !== 'close') continue;
    const at = stack.findLastIndex(
      (o) => o.family === family && (family !== 'guillemet' || MIRROR.get(o.mark) === mark),
    );
    if (at < 0) continue;
    const open = stack[at] as Open;
    stack.length = at;
    closed.push({ start: open.index, end: i, text: text.slice(open.index + 1, i).trim() });
  }
  return closed
    .filter((q) => !closed.some((outer) => outer.start < q.start && q.end < outer.end))
    .filter((q) => (q.text.match(/[\p{L}\p{N}]/gu)?.length ?? 0) >= MIN_ALNUM)
    .sort((a, b) => a.start - b.start)
    .map((q) => ({ text: q.text, index: q.start }));
}

function roleOf(text: string, i: number, family: string, stack: readonly Open[]): 'open' | 'close' | null {
  const mark = text[i] as string;
  if (family === 'guillemet') {
    // A right-pointing » opens only when no « waits for it (the reversed German style).
    const waiting = stack.some((o) => o.family === 'guillemet' && MIRROR.get(o.mark) === mark);
    return waiting ? 'close' : 'open';
  }
  const before = i > 0 ? (text[i - 1] as string) : '';
  const after = i + 1 < text.length ? (text[i + 1] as string) : '';
  if (isWordChar(before) && isWordChar(after)) return null;
  const left = after !== '' && !isSpace(after) && (before === '' || isSpace(before) || !isWordChar(before));
  const right = before !== '' && !isSpace(before) && (after === '' || isSpace(after) || !isWordChar(after));
  if (LOW.has(mark)) return left ? 'open' : null;
  if (family === 'single' && left && !right && (/\d/.test(after) || ELISIONS.test(text.slice(i + 1, i + 8))))
    return null;
  if (left && right) return stack.some((o) => o.family === family) ? 'close' : 'open';
  return left ? 'open' : right ? 'close' : null;
}

function isWordChar(c: string): boolean {
  return /[\p{L}\p{N}]/u.test(c);
}

function isSpace(c: string): boolean {
  return /\s/.test(c);
}

/** Leading and trailing punctuation and spaces, which quoting conventions move in or out of the marks. */
const ENDS = /^[\s\p{P}]+|[\s\p{P}]+$/gu;
/** An ellipsis ("...", "…", "[...]", "(...)") marks words left out: each part is looked up in turn. */
const ELLIPSIS = /[[(]?\.{3,}[\])]?/g;

/**
 * Whether one source holds the passage, compared as `normalized` text (see text-match.ts):
 * case, width, spacing, quote marks and dashes do not matter; punctuation at the passage's ends
 * is ignored; the passage must start and end on word boundaries of the source ("rate" is not in
 * "accurate"); an ellipsis splits the passage into parts that must appear in that order in the
 * same source.
 */
export function passageInSources(passage: string, sources: readonly string[]): boolean {
  const parts = normalizeText(passage)
    .split(ELLIPSIS)
    .map((p) => p.replace(ENDS, ''))
    .filter((p) => /[\p{L}\p{N}]/u.test(p));
  if (parts.length === 0) return true;
  return sources.some((source) => {
    const haystack = normalizeText(source);
    let from = 0;
    for (const part of parts) {
      const at = findWord(haystack, part, from);
      if (at < 0) return false;
      from = at + part.length;
    }
    return true;
  });
}

function findWord(haystack: string, needle: string, from: number): number {
  for (let at = haystack.indexOf(needle, from); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const startOk = !isWordChar(needle[0] as string) || !isWordChar(haystack[at - 1] ?? '');
    const endOk = !isWordChar(needle.at(-1) as string) || !isWordChar(haystack[at + needle.length] ?? '');
    if (startOk && endOk) return at;
  }
  return -1;
}
