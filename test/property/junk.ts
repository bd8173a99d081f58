/**
 * Generators of hostile registrations for the property-based tests: a valid registration
 * with one or more fields replaced by junk that is invalid by construction (wrong types,
 * NaN/Infinity strings, 1e309, -0, three decimals, huge and tiny numbers, impossible and
 * future dates, unicode and very long strings, NUL characters, nested junk, unknown fields),
 * each saying which field the error must name.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { openCase } from '../../src/domain/cases.ts';
import { createCreditor } from '../../src/domain/creditors.ts';
import { REGISTRATION_FIELDS } from '../../src/domain/registration.ts';
import { snakeCase } from '../../src/rest/documentMapping.ts';
import type { Harness, Tenant } from '../support/harness.ts';

/** A JSON token written as it is: numbers JSON.stringify cannot produce (1e309, -0, 1e-400). */
export class RawJson {
  constructor(readonly text: string) {}
  /** What JSON.parse makes of it on the server. */
  get parsed(): unknown {
    return JSON.parse(this.text);
  }
}

/** The field is left out of the body altogether. */
export const OMIT = Symbol('omit');
export type JunkValue = unknown;

/** JSON text of a value that may hold RawJson tokens; OMIT entries are left out. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => (v === OMIT || v === undefined ? 'null' : toJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== OMIT && v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What the server holds after parsing the JSON of this value. */
export function asParsed(value: unknown): unknown {
  return value === OMIT ? undefined : JSON.parse(toJson(value));
}

// --- the fixture the generators refer to ---

export interface JunkFixture {
  accountId: string;
  creditorId: string;
  caseId: string;
  invoiceNumber: string;
  /** A case of another creditor of the same account. */
  otherCreditorCaseId: string;
  /** A case whose currency is not SEK. */
  eurCaseId: string;
  /** Another account's ids. */
  strangerAccountId: string;
  strangerCreditorId: string;
  strangerCaseId: string;
}

/** One replaced part of a registration and the fields its error must name (domain names). */
export interface Patch {
  what: string;
  set: Record<string, JunkValue>;
  names: string[];
  /** Checked without the database, so reported beside every other failure; otherwise (a
   *  well-formed id that names nothing of the caller's, say) only when it is the only failure. */
  independent: boolean;
  /** The Idempotency-Key header instead of a body field. */
  header?: string;
  /** Patches of one group spoil the same field: a registration gets at most one of each, so two
   *  patches never combine into something valid (no case, but a valid invoice number). */
  group: string;
}

const patch = (what: string, set: Record<string, JunkValue>, names: string[], independent = true, group?: string): Patch => ({
  what,
  set,
  names,
  independent,
  // The case and the invoice number name one thing: the case.
  group: group ?? (Object.keys(set).some((k) => k === 'case' || k === 'invoiceNumber') ? 'case' : Object.keys(set).join(',') || 'header'),
});

// --- building blocks ---

const NUL = '\u0000';
/** Any unicode, including astral characters, lone surrogates and NUL. */
const unicode = (max = 40) => fc.string({ unit: 'binary', maxLength: max });
const longText = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), fc.integer({ min: 101, max: 20_000 }))
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)));
const blank = fc.constantFrom('', ' ', '   ', '\t', '\n', ' \r\n ');
const withNul = fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}${NUL}${b}`);
const loneSurrogate = fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF')).map(([a, s]) => `${a}${s}`);
/** Any JSON value, less the keys Fastify refuses outright as prototype poisoning (a body-level case of its own). */
const json = (maxDepth: number) => fc.jsonValue({ maxDepth }).filter((v) => !/"(__proto__|prototype)"/.test(JSON.stringify(v)));
const nested = fc.oneof(
  fc.array(json(3), { maxLength: 4 }),
  fc.dictionary(
    fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__' && k !== 'prototype'),
    json(3),
    { maxKeys: 4 },
  ),
);
/** Not a string: the other JSON types, nested junk included. */
const notAString = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  nested,
  fc.constantFrom(new RawJson('1e309'), new RawJson('-0'), new RawJson('-1e309')),
);

/** An id that is not well-formed (24 lowercase hex characters). */
function malformedId(real: string) {
  return fc.oneof(
    notAString,
    blank,
    unicode().filter((s) => !/^[0-9a-f]{24}$/.test(s)),
    longText,
    withNul,
    fc.constantFrom(real.toUpperCase(), ` ${real}`, `${real} `, `${real}0`, real.slice(1), 'constructor', '__proto__', 'null', 'undefined'),
  );
}
/** Well-formed, but none of the caller's. */
const unknownId = fc.stringMatching(/^[0-9a-f]{24}$/);

// --- amounts ---

/** Anything that looks like a plain decimal might be a valid amount: never junk. */
const looksDecimal = (s: string) => /^\s*\+?\d+(\.\d+)?\s*$/.test(s);
const threeDecimals = fc
  .tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 9 }))
  .map(([whole, cents, third]) => `${whole}.${String(cents).padStart(2, '0')}${third}`);
const tooLarge = fc.oneof(fc.integer({ min: 1_000_000_001, max: Number.MAX_SAFE_INTEGER }), fc.constant(1_000_000_000.01));
const badAmount = fc.oneof(
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-Infinity',
    'nan',
    'inf',
    '1e309',
    '-1e309',
    '1e5',
    '1E2',
    '0x10',
    '0b1',
    '1_000',
    '12,50',
    '١٢٣',
    '１２',
    '.5',
    '5.',
    '+-5',
    '--5',
    '0',
    '0.00',
    '-0',
    '-0.00',
    '-5',
    '-0.01',
    '0.001',
    '1.234',
    '1000000000.01',
    '99999999999999999999999',
    '1e-7',
    '10 SEK',
    'SEK 10',
  ),
  fc.constantFrom(
    new RawJson('1e309'),
    new RawJson('-1e309'),
    new RawJson('-0'),
    new RawJson('1e-400'),
    new RawJson('0.0'),
    new RawJson('1E400'),
    0,
    -5,
    -0.01,
    1.234,
    0.001,
    1e21,
    1e-7,
    5e-324,
    Number.MAX_VALUE,
    Number.MAX_SAFE_INTEGER,
    1_000_000_000.01,
  ),
  threeDecimals,
  threeDecimals.map(Number),
  threeDecimals.map((s) => new RawJson(s)),
  tooLarge,
  tooLarge.map(String),
  fc.integer({ min: 1, max: 1_000_000 }).map((n) => -n / 100),
  fc.integer({ min: 1, max: 1_000_000 }).map((n) => `-${n}`),
  unicode().filter((s) => !looksDecimal(s)),
  longText,
  fc.boolean(),
  nested,
);

// --- dates ---

const looksLikeADate = (s: string) => /\d{4}-\d{2}-\d{2}|GMT|UTC|\+0000/.test(s);
const impossibleDates = fc.constantFrom(
  '',
  ' ',
  'yesterday',
  'now',
  'today',
  '2025-02-30',
  '2025-02-29',
  '2025-13-01',
  '2025-00-10',
  '2025-04-31',
  '2025-07-04T25:00:00Z',
  '2025-07-04T12:60:00Z',
  '2025-07-04T12:00:60Z',
  '2025-07-04T12:00:00',
  '2025-07-04T16:20:41+15:00',
  '2025-07-04T16:20:41.1234567890Z',
  '1899-12-31',
  '0000-01-01',
  '10000-01-01',
  '+002025-07-04',
  '2025-7-4',
  '20250704',
  '04/07/2025',
  '4 Jul 2025',
  // (A one-digit day, any case and a weekday that does not match are accepted, as the existing REST system's strptime does.)
  'Fri, 04 Jul 2025 16:20:41 CET',
  'Fri, 004 Jul 2025 16:20:41 GMT',
  'Fry, 04 Jul 2025 16:20:41 GMT',
  'Fri, 31 Feb 2025 00:00:00 GMT',
  'Fri, 04 Jul 2025 24:00:00 GMT',
  `2025-07-04${' '.repeat(80)}`,
  `2025-07-04${NUL}`,
);
const outOfRangeIso = fc
  .tuple(fc.integer({ min: 0, max: 1899 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .chain(([year, month, day]) =>
    fc.constantFrom(
      `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      `2025-${String(month + 12).padStart(2, '0')}-01`,
      `2025-01-${String(day + 31).padStart(2, '0')}`,
    ),
  );
const badDate = fc.oneof(
  impossibleDates,
  outOfRangeIso,
  unicode().filter((s) => !looksLikeADate(s)),
  longText,
  fc.integer(),
  fc.constant(Date.now()),
  fc.boolean(),
  nested,
  fc.constant(new RawJson('1e309')),
);
/** More than the tolerated clock skew ahead (5 minutes): a bank transaction cannot be dated in the future. */
const futureDate = fc.tuple(fc.integer({ min: 10 * 60_000, max: 50 * 365 * 24 * 3600_000 }), fc.boolean()).map(([ahead, rfc]) => {
  const date = new Date(Date.now() + ahead);
  return rfc ? date.toUTCString() : date.toISOString();
});

// --- text fields ---

const badOptionalText = (max: number) => fc.oneof(blank, notAString, fc.string({ minLength: max + 1, maxLength: max + 50 }), longText, withNul, loneSurrogate);
const notCreditorSystem = fc.oneof(
  fc.constantFrom('CREDITOR_SYSTEM', 'creditor_system ', ' creditor_system', 'creditor-system', 'file_import', 'manual', ''),
  unicode().filter((s) => s !== 'creditor_system'),
  withNul,
  notAString,
  longText,
);
const notSek = fc.oneof(
  fc.constantFrom('sek', 'SEK ', ' SEK', 'EUR', 'USD', 'kr', 'SE', 'SEKK', `SEK${NUL}`, ''),
  unicode(5).filter((s) => s !== 'SEK'),
  notAString,
  longText,
);
/** Keys that are no field of a payment, in either API's spelling. */
function unknownKey(knownFields: readonly string[]) {
  const known = new Set([...knownFields, ...knownFields.map(snakeCase)]);
  return (
    fc
      .oneof(
        fc.constantFrom(
          'amount_sek',
          'Amount',
          'AMOUNT',
          'status',
          'settled_amount',
          '_id',
          'id',
          'constructor',
          'toString',
          'hasOwnProperty',
          'valueOf',
          '$where',
          'a.b',
          'x-y',
          '',
        ),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
      )
      // No quotes: the check reads the name back out of GraphQL's message; __proto__ is a body-level case of its own.
      .filter((key) => !known.has(key) && !key.includes('"') && key !== '__proto__' && key !== 'prototype')
  );
}

// --- patches ---

// The domain's field list: the names a registration has, whichever face sends them.
const FIELDS: readonly string[] = REGISTRATION_FIELDS;

export function patches(f: JunkFixture, _api: 'graphql' | 'rest'): fc.Arbitrary<Patch> {
  const options: Array<fc.Arbitrary<Patch>> = [
    fc.constantFrom(OMIT, null).map((v) => patch(`creditor ${String(v)}`, { creditor: v }, ['creditor'])),
    malformedId(f.creditorId).map((v) => patch('creditor malformed', { creditor: v }, ['creditor'])),
    fc.oneof(unknownId, fc.constant(f.strangerCreditorId)).map((v) => patch('creditor not the caller’s', { creditor: v }, ['creditor'], false)),
    fc.constantFrom(OMIT, null).map((v) => patch(`case ${String(v)}, no invoice number`, { case: v }, ['case'])),
    malformedId(f.caseId).map((v) => patch('case malformed', { case: v }, ['case'])),
    fc.oneof(unknownId, fc.constant(f.strangerCaseId)).map((v) => patch('case not the caller’s', { case: v }, ['case'], false)),
    fc.constant(patch('case of another creditor', { case: f.otherCreditorCaseId }, ['case'], false)),
    fc.constant(patch('case in EUR', { case: f.eurCaseId }, ['currency'], false)),
    fc
      .oneof(fc.constant(f.invoiceNumber), unicode(), notAString, longText, withNul)
      .filter((v) => v !== null)
      .map((v) => patch('both case and invoice number', { invoiceNumber: v }, ['invoiceNumber'])),
    fc
      .oneof(
        fc.string({ minLength: 1, maxLength: 30 }).map((s) => `NO-SUCH-${s}`),
        unicode().filter((s) => s.trim() !== '' && s !== f.invoiceNumber),
      )
      .map((v) => patch('unknown invoice number', { case: OMIT, invoiceNumber: v }, ['invoiceNumber'], false)),
    fc.oneof(blank, notAString, longText, withNul).map((v) => patch('bad invoice number', { case: OMIT, invoiceNumber: v }, ['invoiceNumber'])),
    fc.oneof(fc.constantFrom(OMIT, null), notSek).map((v) => patch('currency', { currency: v }, ['currency'])),
    fc.oneof(fc.constantFrom(OMIT, null), badAmount).map((v) => patch('amount', { amount: v }, ['amount'])),
    fc.oneof(fc.constantFrom(OMIT, null), badDate, futureDate).map((v) => patch('bank transaction date', { bankTransactionDate: v }, ['bankTransactionDate'])),
    badDate.map((v) => patch('client registration date', { clientRegistrationDate: v }, ['clientRegistrationDate'])),
    badOptionalText(100).map((v) => patch('reference', { creditorPaymentReference: v }, ['creditorPaymentReference'])),
    fc.oneof(fc.constantFrom(OMIT, null), notCreditorSystem).map((v) => patch('origin', { origin: v }, ['origin'])),
    fc.oneof(json(2), fc.constant(null)).map((v) => patch('file import report', { fileImportReport: v }, ['fileImportReport'])),
    fc.oneof(malformedId(f.accountId)).map((v) => patch('account malformed', { account: v }, ['account'])),
    fc.constant(patch('another account', { account: f.strangerAccountId }, ['account'], false)),
    fc.tuple(unknownKey(FIELDS), json(3)).map(([key, v]) => patch(`unknown field ${JSON.stringify(key)}`, { [key]: v }, [key], true, `unknown:${key}`)),
    fc
      .constantFrom('', ' ', 'a b', 'x'.repeat(256), 'key\twith\ttabs', 'é')
      .map((key) => ({ ...patch('Idempotency-Key', {}, ['idempotencyKey']), header: key })),
  ];
  return fc.oneof(...options);
}

/** A valid registration in domain names (the base the patches spoil). */
export function validRegistration(f: JunkFixture, api: 'graphql' | 'rest') {
  return fc
    .record({
      byInvoiceNumber: fc.boolean(),
      amount: fc.oneof(
        fc.integer({ min: 1, max: 100_000_00 }).map((ore) => `${Math.floor(ore / 100)}.${String(ore % 100).padStart(2, '0')}`),
        fc.integer({ min: 1, max: 100_000 }),
      ),
      bankTransactionDate: fc.constantFrom('Fri, 04 Jul 2025 16:20:41 GMT', '2025-07-04T16:20:41Z', '2025-07-04', '2024-02-29T23:59:59.999+01:00'),
      clientRegistrationDate: fc.constantFrom(OMIT, null, '2025-07-05T10:00:00Z', 'Sat, 05 Jul 2025 10:00:00 GMT'),
      creditorPaymentReference: fc.oneof(
        fc.constant(OMIT),
        fc.constant(null),
        fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== '' && s.length <= 100),
      ),
      sendsAccount: fc.boolean(),
    })
    .map((r) => ({
      creditor: f.creditorId,
      ...(r.byInvoiceNumber ? { invoiceNumber: f.invoiceNumber } : { case: f.caseId }),
      currency: 'SEK',
      amount: r.amount,
      bankTransactionDate: r.bankTransactionDate,
      clientRegistrationDate: r.clientRegistrationDate,
      creditorPaymentReference: r.creditorPaymentReference,
      origin: 'creditor_system',
      // The seed's REST example sends the (read-only) account; GraphQL's input has no such field.
      ...(api === 'rest' && r.sendsAccount ? { account: f.accountId } : {}),
    }));
}

export interface Junk {
  /** The registration in domain names; OMIT marks a left-out field. */
  registration: Record<string, JunkValue>;
  patches: Patch[];
  /** The request's headers: the Idempotency-Key when a patch spoils it. */
  headers: Record<string, string>;
}

/** A valid registration spoiled by one to three patches. */
export function junkRegistrations(f: JunkFixture, api: 'graphql' | 'rest'): fc.Arbitrary<Junk> {
  return fc
    .tuple(validRegistration(f, api), fc.uniqueArray(patches(f, api), { minLength: 1, maxLength: 3, selector: (p) => p.group }))
    .map(([base, spoilers]): Junk => {
      let registration: Record<string, JunkValue> = { ...base };
      // A patch on the case or the invoice number is written against a registration that names its case by id.
      if (spoilers.some((p) => 'case' in p.set || 'invoiceNumber' in p.set)) registration = { ...registration, case: f.caseId, invoiceNumber: OMIT };
      for (const p of spoilers) registration = { ...registration, ...p.set };
      const header = spoilers.find((p) => p.header !== undefined)?.header;
      return { registration, patches: spoilers, headers: header !== undefined ? { 'idempotency-key': header } : {} };
    });
}

/**
 * What a face's junk test sends: junk registrations (`fields`), and in `otherWeight` of 20 cases
 * junk of the request as a whole (`other`: a body that is no document, a wrong content type).
 */
export function junkRequests<Other>(f: JunkFixture, api: 'graphql' | 'rest', other: fc.Arbitrary<Other>, otherWeight: number) {
  return fc.oneof(
    { arbitrary: junkRegistrations(f, api).map((junk) => ({ kind: 'fields' as const, junk })), weight: 20 - otherWeight },
    { arbitrary: other.map((request) => ({ kind: 'other' as const, request })), weight: otherWeight },
  );
}

/** The registration as the REST API takes it: snake_case names; unknown keys as they are. */
export function restBodyOf(registration: Record<string, JunkValue>): Record<string, JunkValue> {
  return Object.fromEntries(Object.entries(registration).map(([key, value]) => [FIELDS.includes(key) ? snakeCase(key) : key, value]));
}

/** The name under which an API reports a domain field. */
export function restName(field: string): string {
  if (field === 'idempotencyKey') return 'Idempotency-Key';
  return FIELDS.includes(field) ? snakeCase(field) : field;
}

// --- what GraphQL's own input coercion refuses, before the domain sees anything ---

const GRAPHQL_INPUT: Record<string, { type: 'ID' | 'String' | 'Currency' | 'Decimal' | 'DateTime'; required: boolean }> = {
  creditor: { type: 'ID', required: true },
  case: { type: 'ID', required: false },
  invoiceNumber: { type: 'String', required: false },
  currency: { type: 'Currency', required: true },
  amount: { type: 'Decimal', required: true },
  bankTransactionDate: { type: 'DateTime', required: true },
  clientRegistrationDate: { type: 'DateTime', required: false },
  creditorPaymentReference: { type: 'String', required: false },
  origin: { type: 'String', required: true },
};

/** graphql-js's rules for RegisterPaymentInput: unknown fields, nulls and omissions of required fields, type mismatches. */
export function graphqlRefuses(field: string, value: JunkValue): boolean {
  // Own keys only: "toString" is no input field, whatever Object.prototype says.
  const input = Object.hasOwn(GRAPHQL_INPUT, field) ? GRAPHQL_INPUT[field] : undefined;
  if (!input) return true; // not a field of RegisterPaymentInput (account, fileImportReport, unknown keys)
  const parsed = asParsed(value);
  if (parsed === undefined || parsed === null) return input.required;
  switch (input.type) {
    case 'ID':
      return !(typeof parsed === 'string' || (typeof parsed === 'number' && Number.isInteger(parsed)));
    case 'String':
      return typeof parsed !== 'string';
    case 'Currency':
      return parsed !== 'SEK';
    case 'Decimal':
      return typeof parsed !== 'string' && typeof parsed !== 'number';
    case 'DateTime':
      return typeof parsed !== 'string';
  }
}

/** The input fields a GraphQL coercion error is about (graphql-js names them by path or by name). */
export function fieldsNamedBy(message: string): string[] {
  const named: string[] = [];
  const atPath = / at "input\.([^".[\s]+)/.exec(message);
  if (atPath) named.push(atPath[1]!);
  const field = /; Field "([^"]*)" (?:of required type|is not defined by type)/.exec(message);
  if (field) named.push(field[1]!);
  if (
    /Variable "\$input"/.test(message) &&
    /Expected type "RegisterPaymentInput" to be an object|of non-null type "RegisterPaymentInput!" must not be null|of required type "RegisterPaymentInput!" was not provided/.test(
      message,
    )
  )
    named.push('input');
  return named;
}

// --- whole bodies that are not a payment at all (REST) ---

export interface BodyJunk {
  what: string;
  payload: string;
  contentType: string | null;
}

export const bodyJunk: fc.Arbitrary<BodyJunk> = fc.oneof(
  fc
    .oneof(
      fc.constantFrom(
        '{',
        '{"amount": }',
        "{'amount': 1}",
        '{"a":1,}',
        'NaN',
        '{"amount": NaN}',
        '{"amount": Infinity}',
        '[1,2',
        'undefined',
        '\u0000',
        '{"a":"\\x"}',
        '{"a" 1}',
        '}{',
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      }),
    )
    .map((payload) => ({ what: 'malformed JSON', payload, contentType: 'application/json' })),
  fc
    .oneof(
      fc.constantFrom('[]', '[{}, 1]', '"payment"', '42', 'true', 'null', '-0', '1e309'),
      // An array of objects is a bulk insert (test/rest/bulk.test.ts); one holding anything else is not.
      fc
        .array(json(2), { maxLength: 3 })
        .filter((a) => a.length === 0 || a.some((v) => typeof v !== 'object' || v === null || Array.isArray(v)))
        .map((a) => JSON.stringify(a)),
    )
    .map((payload) => ({ what: 'JSON that is not an object', payload, contentType: 'application/json' })),
  fc
    .constantFrom('{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"admin": true}}}', '{"amount": 1, "__proto__": null}')
    .map((payload) => ({ what: 'prototype pollution', payload, contentType: 'application/json' })),
  fc
    .integer({ min: 1024 * 1024 + 1, max: 2 * 1024 * 1024 })
    .map((size) => ({ what: 'oversized body', payload: `{"pad":"${'x'.repeat(size)}"}`, contentType: 'application/json' })),
  fc
    .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'image/png')
    .map((contentType) => ({ what: `content type ${contentType}`, payload: '{"amount": 1}', contentType })),
  fc.constant({ what: 'no content type', payload: '{"amount": 1}', contentType: null }),
  fc.constant({ what: 'empty JSON body', payload: '', contentType: 'application/json' }),
);

// --- the data the generators point at ---

/** Two accounts; the caller's has a second creditor and a case in EUR. */
export async function createJunkFixture(h: Harness, tenant: Tenant): Promise<JunkFixture & { apiKey: string }> {
  const stranger = await h.createTenant('Stranger');
  const theCase = await tenant.openCase({ costs: '10.00', interest: '5.00', capital: '1000.00' });
  const eurCase = await tenant.openCase({ capital: '100.00', currency: 'EUR' });
  const second = await createCreditor(h.db, tenant.accountId, 'Second Creditor AB');
  const otherCreditorCase = await openCase(h.db, { creditorId: second.id, invoiceNumber: 'SECOND-1', referenceNumber: 'R-2', capital: '50.00' });
  const strangerCase = await stranger.openCase({ capital: '100.00' });
  return {
    apiKey: tenant.apiKey,
    accountId: tenant.accountId,
    creditorId: tenant.creditorId,
    caseId: theCase.id,
    invoiceNumber: theCase.invoiceNumber,
    otherCreditorCaseId: otherCreditorCase.id,
    eurCaseId: eurCase.id,
    strangerAccountId: stranger.accountId,
    strangerCreditorId: stranger.creditorId,
    strangerCaseId: strangerCase.id,
  };
}

/** Every row of every table, to show that a run of junk changed nothing at all. */
export async function snapshot(db: Db): Promise<string> {
  const rows = await Promise.all([db.account.findMany(), db.apiKey.findMany(), db.creditor.findMany(), db.case.findMany(), db.payment.findMany()]);
  return JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/**
 * Runs `check` on 1,000 generated cases: each leaves the row counts as they were, and all of
 * them together leave every row of every table as it was.
 */
export async function expectNothingStored<T>(h: Harness, cases: fc.Arbitrary<T>, check: (c: T) => Promise<void>): Promise<void> {
  const before = await snapshot(h.db);
  await fc.assert(
    fc.asyncProperty(cases, async (c) => {
      const counts = await h.counts();
      await check(c);
      expect(await h.counts()).toEqual(counts);
    }),
    { numRuns: 1000 },
  );
  expect(await snapshot(h.db)).toEqual(before);
}
