/**
 * An exact decimal, coefficient × 10^exponent. The coefficient never ends in a zero (zero itself is
 * 0 × 10^0), so two equal values always have equal fields and compare without rounding.
 */
export interface Decimal {
  readonly coefficient: bigint;
  readonly exponent: number;
}

/** Larger exponents are refused: text such as "1e+999999" would otherwise become a million digits. */
const MAX_EXPONENT = 400;

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/;

/** Reads decimal text ("1250.40", ".5", "-3", "1e-7", "1.5e+21"); null when it is not one. */
export function parseDecimal(text: string): Decimal | null {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return null;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return null;
  const value = normalize(BigInt(whole + fraction) * (sign === '-' ? -1n : 1n), Number(exponent) - fraction.length);
  return Math.abs(value.exponent) > MAX_EXPONENT ? null : value;
}

/**
 * The decimal a JS number was written as. String(n) is the shortest decimal that reads back as n,
 * so 0.1 is exactly 1/10 here, not the binary 0.1000000000000000055...
 */
export function decimalOf(n: number): Decimal {
  if (!Number.isFinite(n)) throw new RangeError(`${n} is not a finite number`);
  return parseDecimal(String(n)) as Decimal;
}

/** |d|. */
export function absDecimal(d: Decimal): Decimal {
  return d.coefficient < 0n ? { coefficient: -d.coefficient, exponent: d.exponent } : d;
}

/** a − b, exactly. */
export function subtractDecimal(a: Decimal, b: Decimal): Decimal {
  const exponent = Math.min(a.exponent, b.exponent);
  return normalize(scaled(a, exponent) - scaled(b, exponent), exponent);
}

/** −1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const exponent = Math.min(a.exponent, b.exponent);
  const x = scaled(a, exponent);
  const y = scaled(b, exponent);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Plain decimal text without an exponent or trailing zeros: "0.0000001", "1500000000000000000000", "-3". */
export function formatDecimal(d: Decimal): string {
  const negative = d.coefficient < 0n;
  const text = plainDecimal((negative ? -d.coefficient : d.coefficient).toString(), d.exponent);
  return negative ? `-${text}` : text;
}

/**
 * The plain decimal text of digits × 10^exponent, digits being ASCII digits with no sign:
 * ("125000", -2) is "1250", ("35", 5) is "3500000". String work only, so the tokenizer can use it
 * on every number without BigInt.
 */
export function plainDecimal(digits: string, exponent: number): string {
  let start = 0;
  while (start < digits.length - 1 && digits[start] === '0') start += 1;
  let end = digits.length;
  while (end > start + 1 && digits[end - 1] === '0') {
    end -= 1;
    exponent += 1;
  }
  const core = digits.slice(start, end);
  if (core === '0') return '0';
  if (exponent >= 0) return core + '0'.repeat(exponent);
  const padded = core.padStart(-exponent + 1, '0');
  return `${padded.slice(0, exponent)}.${padded.slice(exponent)}`;
}

function scaled(d: Decimal, exponent: number): bigint {
  return d.coefficient * 10n ** BigInt(d.exponent - exponent);
}

function normalize(coefficient: bigint, exponent: number): Decimal {
  if (coefficient === 0n) return { coefficient: 0n, exponent: 0 };
  while (coefficient % 10n === 0n) {
    coefficient /= 10n;
    exponent += 1;
  }
  return { coefficient, exponent };
}
