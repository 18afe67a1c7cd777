import { describe, expect, it } from 'vitest';
import { withinTolerance } from '../../src/grounding/tolerance.ts';

describe('withinTolerance', () => {
  it('compares the decimals as written, not their binary approximations', () => {
    // In binary floats 1.1 - 1 is 0.10000000000000009, which is more than 0.1.
    expect(Math.abs(1.1 - 1.0) <= 0.1).toBe(false);
    expect(withinTolerance(1.1, 1.0, 0.1)).toBe(true);
    expect(withinTolerance(0.9, 1.0, 0.1)).toBe(true);
    expect(withinTolerance(0.3, 0.1, 0.2)).toBe(true);
    expect(withinTolerance(10.005, 10, 0.005)).toBe(true);
  });

  it('is inclusive at the bound and strict past it', () => {
    expect(withinTolerance(10.01, 10, 0.01)).toBe(true);
    expect(withinTolerance(10.010000000000002, 10, 0.01)).toBe(false);
    expect(withinTolerance(9.99, 10, 0.01)).toBe(true);
    expect(withinTolerance(9.989999999999998, 10, 0.01)).toBe(false);
  });

  it('means exact equality with a zero tolerance', () => {
    expect(withinTolerance(56, 56, 0)).toBe(true);
    expect(withinTolerance(56.000000000001, 56, 0)).toBe(false);
    expect(withinTolerance(0, -0, 0)).toBe(true);
    expect(withinTolerance(0.1 + 0.2, 0.3, 0)).toBe(false);
  });

  it('handles negatives and exponents', () => {
    expect(withinTolerance(-1.1, -1, 0.1)).toBe(true);
    expect(withinTolerance(-1.2, -1, 0.1)).toBe(false);
    expect(withinTolerance(-0.05, 0.05, 0.1)).toBe(true);
    expect(withinTolerance(1e-7, 2e-7, 1e-7)).toBe(true);
    expect(withinTolerance(1e-7, 2.0000001e-7, 1e-7)).toBe(false);
    expect(withinTolerance(1.5e21, 1.5e21 + 131072, 131072)).toBe(true);
    expect(withinTolerance(1.5e21, 1.6e21, 1e20)).toBe(true);
    expect(withinTolerance(1.5e21, 1.6e21, 9.9e19)).toBe(false);
    expect(withinTolerance(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_VALUE)).toBe(false);
    expect(withinTolerance(5e-324, 0, 5e-324)).toBe(true);
  });

  it('decides non-finite values by a fixed rule', () => {
    expect(withinTolerance(Number.NaN, Number.NaN, 1)).toBe(false);
    expect(withinTolerance(Number.NaN, 1, Infinity)).toBe(false);
    expect(withinTolerance(1, Number.NaN, 1)).toBe(false);
    expect(withinTolerance(Infinity, Infinity, 0)).toBe(true);
    expect(withinTolerance(-Infinity, -Infinity, 0)).toBe(true);
    expect(withinTolerance(Infinity, -Infinity, Infinity)).toBe(false);
    expect(withinTolerance(Infinity, 1e308, Infinity)).toBe(false);
    expect(withinTolerance(-1e308, 1e308, Infinity)).toBe(true);
  });

  it('refuses a tolerance that is negative or NaN', () => {
    expect(() => withinTolerance(1, 1, -0.1)).toThrow(RangeError);
    expect(() => withinTolerance(1, 1, Number.NaN)).toThrow(RangeError);
  });
});
