import { absDecimal, compareDecimal, decimalOf, subtractDecimal } from './decimal.ts';

/**
 * Whether |actual − expected| ≤ tolerance, for the decimals the author wrote (String(n) of each
 * number), computed exactly: expected 1.0 with tolerance 0.1 accepts 1.1, which binary floats
 * reject (1.1 − 1 is 0.10000000000000009). The bound is inclusive, and a tolerance of 0 means
 * exact equality (0 and −0 are equal).
 *
 * Non-finite values: NaN matches nothing, not even NaN; an infinity matches only the same
 * infinity, whatever the tolerance; an infinite tolerance accepts any two finite values. A
 * negative or NaN tolerance is a mistake of the scenario, not of the output: it throws RangeError.
 */
export function withinTolerance(actual: number, expected: number, tolerance: number): boolean {
  if (Number.isNaN(tolerance) || tolerance < 0)
    throw new RangeError(`tolerance must be a number ≥ 0, got ${tolerance}`);
  if (Number.isNaN(actual) || Number.isNaN(expected)) return false;
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return actual === expected;
  if (tolerance === Infinity) return true;
  return compareDecimal(absDecimal(subtractDecimal(decimalOf(actual), decimalOf(expected))), decimalOf(tolerance)) <= 0;
}
