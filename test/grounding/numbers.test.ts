import { describe, expect, it } from 'vitest';
import { type NumberToken, numbersIn, numberToken, supports } from '../../src/grounding/numbers.ts';
import { EQUIVALENT, IDENTIFIERS, NO_NUMBERS, NOT_CLAIMS } from './number-cases.ts';

/** The texts of the output's claims that no number in the sources supports: what the check flags. */
function flagged(sources: readonly string[], output: string): string[] {
  const known = sources.flatMap(numbersIn);
  return numbersIn(output)
    .filter((claim) => claim.claim && !supports(known, claim))
    .map((claim) => claim.text);
}

const values = (text: string) => numbersIn(text).map((t) => `${t.sign ?? ''}${t.value}`);
const one = (text: string): NumberToken => {
  const tokens = numbersIn(text);
  expect(tokens).toHaveLength(1);
  return tokens[0]!;
};

describe('the table of number forms', () => {
  describe.each(EQUIVALENT)('$form', (c) => {
    it(`a source "${c.source}" supports "${c.output}"`, () => {
      expect(numbersIn(c.output).filter((t) => t.claim)).not.toEqual([]);
      expect(flagged([c.source], c.output)).toEqual([]);
    });
    it(c.reverse ? 'and the other way round' : 'but not the other way round', () => {
      if (c.reverse) expect(flagged([c.output], c.source)).toEqual([]);
      else expect(flagged([c.output], c.source)).not.toEqual([]);
    });
    it(`flags "${c.flagged}" in "${c.different}"`, () => {
      expect(flagged([c.source], c.different)).toEqual([c.flagged]);
      if (c.reverse) expect(flagged([c.output], c.different)).toEqual([c.flagged]);
    });
  });

  describe.each(IDENTIFIERS)('identifier: $form', (c) => {
    it(`"${c.text}" is no number in an output`, () => {
      expect(numbersIn(`See ${c.text}.`)).toEqual([]);
      expect(numbersIn(`${c.text}`)).toEqual([]);
      expect(flagged([NO_NUMBERS], `It was filed as ${c.text} yesterday.`)).toEqual([]);
    });
    it(`"${c.text}" in a source supports no "${c.lookalike}"`, () => {
      expect(flagged([`It was filed as ${c.text} yesterday.`], `The figure is ${c.lookalike}.`)).toEqual([c.lookalike]);
    });
  });

  describe.each(NOT_CLAIMS)('not a claim: $form', (c) => {
    it(`"${c.output}" flags nothing`, () => {
      expect(flagged([NO_NUMBERS], c.output)).toEqual([]);
    });
  });

  it('numbers stay flagged beside those words', () => {
    expect(flagged([NO_NUMBERS], 'One of the 3 documents says so.')).toEqual(['3']);
    expect(flagged([NO_NUMBERS], 'twenty-one patients')).toEqual(['twenty-one']);
    expect(flagged([NO_NUMBERS], 'one hundred patients')).toEqual(['one hundred']);
  });
});

describe('numbersIn', () => {
  it('reads each endpoint of a range, never a negative second endpoint', () => {
    expect(values('10-12')).toEqual(['10', '12']);
    expect(values('3\u20134')).toEqual(['3', '4']);
    expect(values('from 10 to 12')).toEqual(['10', '12']);
    expect(values('1.5-2.5 kg')).toEqual(['1.5', '2.5']);
    expect(values('it fell to -12')).toEqual(['-12']);
    expect(values('three to four million')).toEqual(['3000000', '4000000']);
    expect(values('3 to 4 hundred')).toEqual(['300', '400']);
    expect(values('from 10 to 4 million')).toEqual(['10000000', '4000000']);
  });

  it('keeps the exact decimal, never a rounded float', () => {
    expect(one('1250.4').value).toBe('1250.4');
    expect(one('1,250.00').value).toBe('1250');
    expect(one('0.30').value).toBe('0.3');
    expect(one('12345678901234567890.123').value).toBe('12345678901234567890.123');
    expect(one('1e-7').value).toBe('0.0000001');
    expect(one('1.5e+21').value).toBe('1500000000000000000000');
    expect(flagged(['1250'], '1250.4')).toEqual(['1250.4']);
    expect(flagged(['1250.4'], '1250')).toEqual(['1250']);
    expect(flagged(['9007199254740993'], '9007199254740992')).toEqual(['9007199254740992']);
  });

  it('reads signs written as -, + and U+2212', () => {
    expect(one('-3').sign).toBe('-');
    expect(one('+5').sign).toBe('+');
    expect(one('\u22123')).toMatchObject({ sign: '-', value: '3', text: '\u22123' });
    expect(one('(-3)').sign).toBe('-');
    expect(one('x -3').sign).toBe('-');
    expect(one('5').sign).toBeNull();
  });

  it('compares signs only when both sides write one', () => {
    expect(flagged(['-3'], '3')).toEqual([]);
    expect(flagged(['3'], '-3')).toEqual([]);
    expect(flagged(['+3'], '3')).toEqual([]);
    expect(flagged(['-3'], '+3')).toEqual(['+3']);
    expect(flagged(['+3'], '-3')).toEqual(['-3']);
  });

  it('records kind, unit, text and index', () => {
    expect(numbersIn('Pay $1,200 now')).toEqual([
      { kind: 'currency', value: '1200', sign: null, text: '$1,200', index: 4, unit: '$', from: 'digits', claim: true },
    ]);
    expect(one('Growth: 5 percent.')).toMatchObject({
      kind: 'percent',
      value: '5',
      text: '5 percent',
      index: 8,
      unit: '%',
    });
    expect(one('1.200 EUR')).toMatchObject({ kind: 'currency', value: '1.2', unit: 'EUR' });
    expect(one('a 4-hour shift')).toMatchObject({ value: '4', unit: 'hour', text: '4-hour' });
    expect(one('eight weeks')).toMatchObject({ value: '8', unit: 'weeks', from: 'words' });
    expect(one('22nd')).toMatchObject({ kind: 'ordinal', value: '22' });
    expect(one('2k')).toMatchObject({ value: '2000', text: '2k' });
    expect(one('5m')).toMatchObject({ value: '5', unit: 'm' });
  });

  it('reads numbers in words, and only whole numbers in words', () => {
    expect(values('one hundred and twenty-three thousand four hundred fifty-six')).toEqual(['123456']);
    expect(values('nineteen eighty-four')).toEqual(['19', '84']);
    expect(values('two and three')).toEqual(['2', '3']);
    expect(values('a hundred and five')).toEqual(['105']);
    expect(values('Twelve million')).toEqual(['12000000']);
    expect(values('zero')).toEqual(['0']);
    expect(values('a lot of money')).toEqual([]);
    expect(values('hundreds of people')).toEqual([]);
    expect(values('two-thirds of them, one half of us')).toEqual([]);
  });

  it('marks "one" alone, ordinal words and idioms as no claim', () => {
    expect(numbersIn('one of them').map((t) => t.claim)).toEqual([false]);
    expect(numbersIn('the second item').map((t) => [t.kind, t.value, t.claim])).toEqual([['ordinal', '2', false]]);
    expect(numbersIn('twenty-first century').map((t) => [t.value, t.claim])).toEqual([['21', false]]);
    expect(numbersIn('a two-way street').map((t) => t.claim)).toEqual([false]);
    expect(numbersIn('one million').map((t) => t.claim)).toEqual([true]);
  });

  it('reads dates as dates', () => {
    expect(one('2024-03-15')).toMatchObject({ kind: 'date', value: '2024-03-15' });
    expect(one('on 15 March 2024.')).toMatchObject({ kind: 'date', value: '2024-03-15', text: '15 March 2024' });
    expect(one('March 15, 2024')).toMatchObject({ kind: 'date', value: '2024-03-15', text: 'March 15, 2024' });
    expect(one('Mar. 15th 2024').value).toBe('2024-03-15');
    expect(one('the 15th of March').value).toBe('--03-15');
    expect(one('March 2024').value).toBe('2024-03');
    expect(one('05/06/2024').value).toBe('2024-05-06|2024-06-05');
    expect(one('13/06/2024').value).toBe('2024-06-13');
    expect(one('06/13/2024').value).toBe('2024-06-13');
    expect(one('15.03.2024').value).toBe('2024-03-15');
    expect(values('February 30, 2024')).toEqual(['30', '2024']);
    expect(one('February 29, 2024').value).toBe('2024-02-29');
    expect(numbersIn('may 5').map((t) => t.kind)).toEqual(['number']);
  });

  it('matches dates by every field the claim states', () => {
    expect(flagged(['2024-03-15'], 'March 2024')).toEqual([]);
    expect(flagged(['March 2024'], 'March 15, 2024')).toEqual(['March 15, 2024']);
    expect(flagged(['March 15'], 'March 15, 2024')).toEqual(['March 15, 2024']);
    expect(flagged(['2024'], 'March 2024')).toEqual(['March 2024']);
    expect(flagged(['2024-03-15'], 'The 15 items cost 2024')).toEqual(['15']);
  });

  it('reads times as times', () => {
    expect(one('19:00').value).toBe('19:00');
    expect(one('7pm').value).toBe('19:00');
    expect(one('7 p.m. today')).toMatchObject({ value: '19:00', text: '7 p.m.' });
    expect(one('12am').value).toBe('00:00');
    expect(one('12pm').value).toBe('12:00');
    expect(one('07:30').value).toBe('07:30');
    expect(one('7:30').value).toBe('07:30|19:30');
    expect(one('19:00:30').value).toBe('19:00:30');
    expect(one('19:00:00').value).toBe('19:00');
    expect(values('3:1 odds')).toEqual(['3', '1']);
    expect(flagged(['7:30'], '7:30pm')).toEqual([]);
    expect(flagged(['07:30'], '7:30pm')).toEqual(['7:30pm']);
    expect(flagged(['7pm'], 'at 7')).toEqual(['7']);
    expect(flagged(['19'], '7pm')).toEqual(['7pm']);
  });

  it('reads a number glued to letters as a unit, but letters before digits as an identifier', () => {
    expect(values('250mg 12kg 3x 1990s')).toEqual(['250', '12', '3', '1990']);
    expect(values('A4 v2 B52 Q3 x-3 doc-2 doc_2 item#3')).toEqual([]);
    expect(values('1234abc deadbeef1 0xFF')).toEqual([]);
    expect(values('v1.2 and 1.2.3 and 10.0.0.1')).toEqual([]);
    expect(values('1920x1080 and 3/15/24 and www.example.com/p2')).toEqual([]);
    expect(numbersIn('EUR5 and 5 EUR').map((t) => [t.kind, t.value, t.unit])).toEqual([
      ['currency', '5', 'EUR'],
      ['currency', '5', 'EUR'],
    ]);
    expect(values('3.12 and 10km/h and 50/50')).toEqual(['3.12', '10', '50', '50']);
  });

  it('skips list markers at the start of a line, not numbers ending a sentence', () => {
    expect(values('1. Apples\n2) Pears\n  3. Plums\n## 4. Notes\n- 5. more')).toEqual([]);
    expect(values('It cost 5. Then 6) fell')).toEqual(['5', '6']);
    expect(values('1.5 kg')).toEqual(['1.5']);
  });

  it('is a pure function of the text', () => {
    const text = 'Revenue rose 12% to $3.5 million on March 15, 2024, a 4-hour call at 7pm.';
    expect(numbersIn(text)).toEqual(numbersIn(text));
    expect(numbersIn('')).toEqual([]);
  });

  it('never throws, and every token points at its own text, on generated text', () => {
    // A fixed Lehmer generator (MINSTD): the same strings on every run.
    let seed = 42;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const pieces = [
      'March',
      'May',
      '15',
      '15th',
      'of',
      '2024',
      '-',
      '\u2212',
      '+',
      '$',
      '%',
      '.',
      ',',
      ':',
      '/',
      '#',
      '[',
      ']',
      '"',
      "'",
      ' ',
      ' ',
      '\n',
      '1,234',
      '0x',
      'e',
      'a',
      'one',
      'twenty',
      'hundred',
      'and',
      'million',
      'pm',
      'a.m',
      'k',
      'mg',
      'doc',
      'to',
      'between',
      '1.5',
      '7:30',
      '05/06/2024',
      'T',
      'Z',
    ];
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const length = 1 + Math.floor(next() * 12);
      for (let k = 0; k < length; k++) text += pieces[Math.floor(next() * pieces.length)];
      for (const t of numbersIn(text)) {
        expect(text.slice(t.index, t.index + t.text.length)).toBe(t.text);
        if (t.kind !== 'date' && t.kind !== 'time')
          expect(t.value).toMatch(/^(?:0|[1-9]\d*)(?:\.\d*[1-9])?$|^0\.\d*[1-9]$/);
      }
    }
  });

  it('reads a month at the very end of the text', () => {
    expect(numbersIn('It happened in March')).toEqual([]);
    expect(values('It happened on 15 March')).toEqual(['--03-15']);
  });

  it('stays linear on long lines', () => {
    const line = 'one two three four five six seven eight nine ten 1,234.5 units and INV-2041 '.repeat(300);
    numbersIn(line);
    const started = performance.now();
    numbersIn(line);
    // Quadratic work on a 23 KB line takes seconds; linear work takes a few milliseconds.
    expect(performance.now() - started).toBeLessThan(250);
  });
});

describe('numberToken', () => {
  it('reads a JSON number as its shortest decimal', () => {
    expect(numberToken(1250)).toMatchObject({ kind: 'number', value: '1250', sign: null, text: '1250' });
    expect(numberToken(-3.5)).toMatchObject({ value: '3.5', sign: '-' });
    expect(numberToken(1.1)?.value).toBe('1.1');
    expect(numberToken(1e-7)?.value).toBe('0.0000001');
    expect(numberToken(-0)).toMatchObject({ value: '0', sign: null });
    expect(numberToken(Number.NaN)).toBeNull();
    expect(numberToken(Infinity)).toBeNull();
  });

  it('is supported by the same number written in a source', () => {
    const known = numbersIn('Total due: 1,250.00 EUR; the rate is 1.1%.');
    expect(supports(known, numberToken(1250)!)).toBe(true);
    expect(supports(known, numberToken(1.1)!)).toBe(true);
    expect(supports(known, numberToken(1500)!)).toBe(false);
    expect(supports(numbersIn('0.3'), numberToken(0.3)!)).toBe(true);
    // 0.1 + 0.2 is the JS number 0.30000000000000004, a different decimal from the 0.3 a source wrote.
    expect(supports(numbersIn('0.3'), numberToken(0.1 + 0.2)!)).toBe(false);
  });
});
