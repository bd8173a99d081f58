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
 * application/json for both faces (REST and Yoga, which takes the body Fastify parsed), read so
 * that no number is silently rounded: `1.0000000000000001` must be refused as having too many
 * decimals, not stored as 1.00. A number a double holds exactly stays a number; any other
 * arrives as its exact decimal text, which the domain's parseAmount reads without floats.
 * Ordinary bodies take Fastify's own parser, which keeps its __proto__ and constructor
 * poisoning checks; the exact parse runs only after that parser accepted the body.
 */
export function registerExactJsonParser(app: FastifyInstance): void {
  const defaultParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const body = raw.toString();
    if (!MAY_LOSE_PRECISION.test(body)) return defaultParser(request, body, done);
    defaultParser(request, body, (error, checked) => {
      if (error) return done(error);
      try {
        done(null, parseExactJson(body));
      } catch {
        // The default parser accepted the text, so this does not happen; keep its value if it does.
        done(null, checked);
      }
    });
  });
}

/** JSON.parse, except that a number a double cannot hold exactly becomes its exact decimal text. */
export function parseExactJson(text: string): unknown {
  return parseLossless(text, undefined, {
    parseNumber: (literal: string) => (isSafeNumber(literal) ? Number(literal) : plainDecimal(literal)),
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
