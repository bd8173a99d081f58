import { MAX_PAYMENT } from './vocabulary.ts';

/** Money is integer öre (1 krona = 100 öre) everywhere inside the service. */
export type Ore = bigint;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export type AmountProblem = 'not_a_number' | 'too_many_decimals' | 'not_positive' | 'too_large';

/**
 * Reads a money amount (a payment's: greater than 0; a case balance's: allowZero) sent as a JSON number or a string ("100", "100.5", 100.25)
 * without ever doing floating point arithmetic: a number is read through its shortest
 * decimal representation, which is exactly what the client wrote for any amount with
 * at most 2 decimals.
 */
export function parseAmount(input: unknown, { allowZero = false } = {}): { ore: Ore } | { problem: AmountProblem } {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { problem: 'not_a_number' };
    if (Object.is(input, -0) || input < 0 || (input === 0 && !allowZero)) return { problem: 'not_positive' };
    if (input === 0) return { ore: 0n };
    // Exponent forms: 1e21 and above are too large anyway, 1e-7 and below too precise.
    text = String(input);
    if (text.includes('e')) return { problem: input >= 1 ? 'too_large' : 'too_many_decimals' };
  } else if (typeof input === 'string') {
    text = input.trim();
    if (text.startsWith('-')) return DECIMAL.test(text.slice(1)) ? { problem: 'not_positive' } : { problem: 'not_a_number' };
    if (text.startsWith('+')) text = text.slice(1);
  } else {
    return { problem: 'not_a_number' };
  }
  const match = DECIMAL.exec(text);
  if (!match) return { problem: 'not_a_number' };
  const [, whole = '0', fraction = ''] = match;
  if (fraction.length > 2 && /[^0]/.test(fraction.slice(2))) return { problem: 'too_many_decimals' };
  const ore = BigInt(whole) * 100n + BigInt(fraction.slice(0, 2).padEnd(2, '0'));
  if (ore === 0n && !allowZero) return { problem: 'not_positive' };
  if (ore > MAX_PAYMENT) return { problem: 'too_large' };
  return { ore };
}

/** "1234.50": the string form of the GraphQL Decimal scalar. */
export function formatOre(ore: Ore): string {
  const sign = ore < 0n ? '-' : '';
  const abs = ore < 0n ? -ore : ore;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/**
 * The JSON number the REST API sends (100.0 in the seed). Built by parsing the exact
 * decimal text, so no arithmetic on floats is involved; every amount up to the
 * maximum has an exact shortest representation.
 */
export function oreToNumber(ore: Ore): number {
  return Number(formatOre(ore));
}

/**
 * "100.0", "971.4", "0.05": the amount as Python's json prints a float, which REST clients of
 * the system this API mirrors parse (a decimal point, no trailing zeros beyond the first).
 * Written from the integer öre, so it is exact for every amount.
 */
export function formatOreAsFloatText(ore: Ore): string {
  const text = formatOre(ore);
  return text.endsWith('0') ? text.slice(0, -1) : text;
}
