import { describe, expect, it } from 'vitest';
import {
  compareDecimal,
  decimalOf,
  formatDecimal,
  parseDecimal,
  plainDecimal,
  subtractDecimal,
} from '../../src/grounding/decimal.ts';

const d = (text: string) => {
  const value = parseDecimal(text);
  expect(value).not.toBeNull();
  return value!;
};

describe('decimal', () => {
  it('reads decimal text into one normal form', () => {
    expect(d('1250.00')).toEqual({ coefficient: 125n, exponent: 1 });
    expect(d('1250')).toEqual(d('1.25e3'));
    expect(d('.5')).toEqual(d('0.50'));
    expect(d('-0')).toEqual({ coefficient: 0n, exponent: 0 });
    expect(d('+7')).toEqual(d('7'));
    for (const bad of ['', '.', '-', '1.2.3', '1e', 'abc', '1,000', '1e+999']) expect(parseDecimal(bad)).toBeNull();
  });

  it('formats without exponent or trailing zeros', () => {
    expect(formatDecimal(d('1e-7'))).toBe('0.0000001');
    expect(formatDecimal(d('1.5e+21'))).toBe('1500000000000000000000');
    expect(formatDecimal(d('-3.50'))).toBe('-3.5');
    expect(formatDecimal(d('0.000'))).toBe('0');
    expect(formatDecimal(d('12.5'))).toBe('12.5');
  });

  it('reads a JS number as its shortest round-trip decimal', () => {
    expect(formatDecimal(decimalOf(0.1))).toBe('0.1');
    expect(formatDecimal(decimalOf(0.1 + 0.2))).toBe('0.30000000000000004');
    expect(formatDecimal(decimalOf(-1e21))).toBe('-1000000000000000000000');
    expect(() => decimalOf(Number.NaN)).toThrow(RangeError);
  });

  it('writes digits × 10^exponent as plain text', () => {
    expect(plainDecimal('35', 5)).toBe('3500000');
    expect(plainDecimal('125000', -2)).toBe('1250');
    expect(plainDecimal('0012500', -4)).toBe('1.25');
    expect(plainDecimal('5', -3)).toBe('0.005');
    expect(plainDecimal('000', -2)).toBe('0');
    expect(plainDecimal('0', 6)).toBe('0');
  });

  it('subtracts and compares exactly', () => {
    expect(formatDecimal(subtractDecimal(d('1.1'), d('1')))).toBe('0.1');
    expect(formatDecimal(subtractDecimal(d('1e-7'), d('1e+21')))).toBe('-999999999999999999999.9999999');
    expect(compareDecimal(d('0.1'), d('0.10'))).toBe(0);
    expect(compareDecimal(d('-2'), d('1'))).toBe(-1);
    expect(compareDecimal(d('1e-7'), d('0'))).toBe(1);
  });
});
