import { describe, expect, it } from 'vitest';
import { DEFAULT_MATCH_MODE, MATCH_MODES, matchText, normalizeText } from '../../src/grounding/text-match.ts';

describe('matchText', () => {
  it('exact: the same code units, nothing more', () => {
    expect(matchText('Paris', 'Paris', 'exact')).toBe(true);
    expect(matchText('Paris', 'paris', 'exact')).toBe(false);
    expect(matchText('Paris', ' Paris', 'exact')).toBe(false);
    expect(matchText('caf\u00e9', 'cafe\u0301', 'exact')).toBe(false);
  });

  it('ignore_case: exact but for letter case', () => {
    expect(matchText('Paris', 'PARIS', 'ignore_case')).toBe(true);
    expect(matchText('\u00c9COLE', '\u00e9cole', 'ignore_case')).toBe(true);
    expect(matchText('Paris', 'Paris ', 'ignore_case')).toBe(false);
    expect(matchText('\u201cyes\u201d', '"yes"', 'ignore_case')).toBe(false);
  });

  it('normalized: NFKC, spacing, quotes, dashes, invisible characters and case', () => {
    expect(matchText('  Paris\n\tFrance ', 'paris france', 'normalized')).toBe(true);
    expect(matchText('caf\u00e9', 'cafe\u0301', 'normalized')).toBe(true);
    expect(matchText('\uff21\uff22\uff23', 'abc', 'normalized')).toBe(true);
    expect(matchText('\u201cit\u2019s\u201d', '"it\'s"', 'normalized')).toBe(true);
    expect(matchText('\u00abhi\u00bb', '"hi"', 'normalized')).toBe(true);
    expect(matchText('2020\u20132024', '2020-2024', 'normalized')).toBe(true);
    expect(matchText('\u22123', '-3', 'normalized')).toBe(true);
    expect(matchText('co\u00adoperate', 'cooperate', 'normalized')).toBe(true);
    expect(matchText('a\u200bb', 'ab', 'normalized')).toBe(true);
    expect(matchText('12\u2033', '12"', 'normalized')).toBe(true);
    expect(matchText('wait\u2026', 'wait...', 'normalized')).toBe(true);
    expect(matchText('1\u00a0000', '1 000', 'normalized')).toBe(true);
  });

  it('normalized still tells different words apart', () => {
    expect(matchText('Paris', 'Pari', 'normalized')).toBe(false);
    expect(matchText('steady.', 'steady', 'normalized')).toBe(false);
    expect(matchText('a b', 'ab', 'normalized')).toBe(false);
  });

  it('uses normalized by default', () => {
    expect(DEFAULT_MATCH_MODE).toBe('normalized');
    expect(matchText('PARIS ', 'paris')).toBe(true);
    expect(MATCH_MODES).toEqual(['exact', 'ignore_case', 'normalized']);
  });

  it('does not depend on the locale: a Turkish dotted capital I lowercases the same everywhere', () => {
    expect(normalizeText('I', 'ignore_case')).toBe('i');
    expect(normalizeText('\u0130', 'ignore_case')).toBe('i\u0307');
  });
});
