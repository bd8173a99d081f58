import type { FastifyInstance } from 'fastify';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';

/**
 * A number literal with 16 or more digits (a decimal point may sit among them) is the only
 * kind a double can change: any decimal of at most 15 significant digits survives the round
 * trip exactly. Digits inside strings match too; that only costs the slower parse.
 */
const MAY_LOSE_PRECISION = /\d(?:\.?\d){15}/;

/** Beyond this exponent a number is far outside any amount; its literal text is kept as sent. */
const MAX_EXPANDED_EXPONENT = 40;

/**
 * A JSON number a double cannot hold exactly, as the client wrote it. Not a string, so a text
 * field sent a long number still fails as "not a string"; each face hands `decimalText` to the
 * domain where an amount is expected (src/rest/documentMapping.ts, src/http/graphqlNumbers.ts).
 */
export class ExactNumber {
  constructor(readonly literal: string) {}
  /** The exact decimal text, exponent written out: what parseAmount reads. */
  get decimalText(): string {
    return plainDecimal(this.literal);
  }
  /** What JSON.parse would have made of it, for every place that is not an amount. */
  valueOf(): number {
    return Number(this.literal);
  }
  toJSON(): number {
    return Number(this.literal);
  }
}

/**
 * application/json for both faces (REST and Yoga, which takes the body Fastify parsed), read so
 * that no amount is silently rounded: `1.0000000000000001` must be refused as having too many
 * decimals, not stored as 1.00. A number a double holds exactly stays a number; any other
 * arrives as an ExactNumber. Ordinary bodies take Fastify's own parser, which keeps its
 * __proto__ and constructor poisoning checks; the exact parse runs only after that parser
 * accepted the body.
 */
export function registerExactJsonParser(app: FastifyInstance): void {
  const defaultParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const body = raw.toString();
    if (!MAY_LOSE_PRECISION.test(body)) return defaultParser(request, body, done);
    defaultParser(request, body, (error) => {
      if (error) return done(error);
      try {
        done(null, parseExactJson(body));
      } catch {
        // Valid JSON the exact parser cannot read is nested deeper than its stack. Refused rather
        // than read with rounded numbers: padding must not be a way around the check.
        done(Object.assign(new Error('The JSON body is nested too deeply.'), { statusCode: 400 }), undefined);
      }
    });
  });
}

/** JSON.parse, except that a number a double cannot hold exactly becomes an ExactNumber. */
export function parseExactJson(text: string): unknown {
  return parseLossless(text, undefined, {
    parseNumber: (literal: string) => (isSafeNumber(literal) ? Number(literal) : new ExactNumber(literal)),
    // JSON.parse keeps the last of duplicate keys; so do we.
    onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue,
  });
}

/** "1.00000000000000001e2" -> "100.000000000000001": exponent forms written out, so decimals can be counted. */
export function plainDecimal(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(literal);
  if (!match) return literal;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPANDED_EXPONENT) return literal;
  const digits = whole + fraction;
  const point = whole.length + exponent;
  let text: string;
  if (point <= 0) text = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign + text.replace(/^0+(?=\d)/, '');
}

/** A JSON object as parsed: not an array, and not an exact number (the lossless parser gives those as objects). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
