import { describe, expect, it } from 'vitest';
import { passageInSources, quotesIn } from '../../src/grounding/quotes.ts';

const texts = (text: string) => quotesIn(text).map((q) => q.text);

describe('quotesIn', () => {
  it('pairs straight and curly double quotes', () => {
    expect(quotesIn('he said "yes" and \u201cno way\u201d')).toEqual([
      { text: 'yes', index: 8 },
      { text: 'no way', index: 18 },
    ]);
    expect(texts('("hello there")')).toEqual(['hello there']);
    expect(texts('"Growth was steady," the CFO said.')).toEqual(['Growth was steady,']);
    expect(texts('He wrote: "It works."')).toEqual(['It works.']);
    expect(texts('mixed \u201chello there"')).toEqual(['hello there']);
  });

  it('pairs single quotes but never at an apostrophe', () => {
    expect(texts("She said 'it works', he said 'no'.")).toEqual(['it works', 'no']);
    expect(texts("don't, it's, the '90s, James' book, rock 'n' roll, get 'em")).toEqual([]);
    expect(texts("'I don't know,' she said.")).toEqual(["I don't know,"]);
    expect(texts('\u2018it\u2019s fine\u2019, she said')).toEqual(['it\u2019s fine']);
    expect(texts("In the '90s 'grunge' ruled")).toEqual(['grunge']);
    // The documented limit: a possessive s' inside a single-quoted passage ends it.
    expect(texts("'the Jameses' car'")).toEqual(['the Jameses']);
  });

  it('pairs guillemets, German low quotes and reversed guillemets', () => {
    expect(texts('Il a dit \u00ab bonjour \u00bb et \u2039 salut \u203a.')).toEqual(['bonjour', 'salut']);
    expect(texts('Er sagte \u201eGuten Tag\u201c und \u00bbHallo\u00ab.')).toEqual(['Guten Tag', 'Hallo']);
    expect(texts('\u201ahier\u2018 und da')).toEqual(['hier']);
  });

  it('returns the outermost passage of nested quotes', () => {
    expect(texts('"He said \'no\' to me," she said.')).toEqual(["He said 'no' to me,"]);
    expect(texts('\u201cShe wrote \u201cnever\u201d twice\u201d')).toEqual(['She wrote \u201cnever\u201d twice']);
    expect(texts('"He said "no" to me"')).toEqual(['He said "no" to me']);
  });

  it('keeps an inner passage whose outer quote never closes', () => {
    expect(texts("\"He said 'no thanks' and left")).toEqual(['no thanks']);
  });

  it('never lets an inch mark or a stray quote hide a real quotation', () => {
    expect(texts('a 12" pipe, and she said "use the valve"')).toEqual(['use the valve']);
    expect(texts('she said "use the valve" on a 12" pipe')).toEqual(['use the valve']);
    expect(texts('5\'11" tall, he said "fine"')).toEqual(['fine']);
    expect(texts('"unbalanced start, then "the real one" here')).toEqual(['the real one']);
    expect(texts('a stray" and then "the real one"')).toEqual(['the real one']);
  });

  it('produces no bogus passage from unpaired marks', () => {
    expect(texts('a 12" pipe and a 6" pipe')).toEqual([]);
    expect(texts('word" and "word')).toEqual([]);
    expect(texts('" spaced quotes "')).toEqual([]);
    expect(texts('say "it')).toEqual([]);
    expect(texts('""')).toEqual([]);
    expect(texts('"a"')).toEqual([]);
  });

  it('crossed quotes: the closer pairs with the nearest open mark of its kind, the rest are dropped', () => {
    expect(texts('"a \'bc" d\'')).toEqual(["a 'bc"]);
  });

  it('never throws, and every passage lies between its marks, on generated text', () => {
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const pieces = [
      '"',
      "'",
      '\u201c',
      '\u201d',
      '\u2018',
      '\u2019',
      '\u00ab',
      '\u00bb',
      '\u2039',
      '\u203a',
      '\u201e',
      ' ',
      ' ',
      'ab',
      'it',
      's',
      '12',
      '.',
      ',',
      '(',
      ')',
      '\n',
    ];
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const length = 1 + Math.floor(next() * 16);
      for (let k = 0; k < length; k++) text += pieces[Math.floor(next() * pieces.length)];
      const found = quotesIn(text);
      for (const q of found) expect(text.slice(q.index + 1)).toContain(q.text);
      for (let k = 1; k < found.length; k++) expect(found[k]!.index).toBeGreaterThan(found[k - 1]!.index);
    }
  });
});

describe('passageInSources', () => {
  const sources = [
    'Revenue was 1,250.00 EUR in 2024. \u201cGrowth was steady,\u201d the CFO said.',
    'The rate is accurate to 2%.',
  ];

  it('finds a passage regardless of case, spacing, quote marks and end punctuation', () => {
    expect(passageInSources('Growth   was steady', sources)).toBe(true);
    expect(passageInSources('growth was steady.', sources)).toBe(true);
    expect(passageInSources('"Growth was steady," the CFO said', sources)).toBe(true);
    expect(passageInSources('Revenue was 1,250.00\u00a0EUR', sources)).toBe(true);
  });

  it('flags a passage that is not there', () => {
    expect(passageInSources('Growth was explosive', sources)).toBe(false);
    expect(passageInSources('Revenue was 1,250 EUR', sources)).toBe(false);
  });

  it('matches whole words at the passage ends', () => {
    expect(passageInSources('rate', sources)).toBe(true);
    expect(passageInSources('curate', sources)).toBe(false);
    expect(passageInSources('Growth was stead', sources)).toBe(false);
  });

  it('reads an ellipsis as words left out, in order, in one source', () => {
    expect(passageInSources('Revenue was \u2026 steady', sources)).toBe(true);
    expect(passageInSources('Revenue [...] the CFO said', sources)).toBe(true);
    expect(passageInSources('the CFO said ... Revenue', sources)).toBe(false);
    expect(passageInSources('Revenue was ... accurate', sources)).toBe(false);
  });

  it('needs the whole passage in one source', () => {
    expect(passageInSources('the CFO said. The rate', sources)).toBe(false);
  });

  it('treats a passage with no letters or digits as found', () => {
    expect(passageInSources('...', sources)).toBe(true);
  });
});
