import fc from 'fast-check';
import { REGISTER } from '../graphql/operations.ts';
import { test as base, describe, expect } from '../support/fixtures.ts';
import { createJunkFixture, expectNothingStored, fieldsNamedBy, graphqlRefuses, type Junk, junkRequests, toJson } from './junk.ts';

interface Answer {
  status: number;
  text: string;
  body: { data?: any; errors?: Array<{ message: string }> };
}

const test = base
  .override('tenantName', 'Junk')
  .extend('f', { scope: 'file' }, ({ harness, tenant }) => createJunkFixture(harness, tenant))
  /** Posts raw JSON text, so values JSON.stringify cannot write (1e309, -0) reach the server. */
  .extend('send', ({ harness: h, f }) => async (bodyText: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await h.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': f.apiKey, ...headers },
      body: bodyText,
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) };
  });

function expectNamed(junk: Junk, result: Answer) {
  const where = `${junk.patches.map((p) => p.what).join(' + ')}: ${result.text.slice(0, 600)}`;
  // Fields GraphQL's own input coercion refuses (unknown fields, nulls, wrong types, enums):
  // those come back as GraphQL errors naming the input path, and the domain is never reached.
  const refused = new Set(
    junk.patches.flatMap((p) =>
      Object.entries(p.set)
        .filter(([field, value]) => graphqlRefuses(field, value))
        .map(([field]) => field),
    ),
  );
  if (refused.size > 0) {
    expect(result.body.errors?.length, where).toBeGreaterThan(0);
    expect(result.body.data ?? null, where).toBeNull();
    const named = result.body.errors!.map((e) => fieldsNamedBy(e.message));
    for (const fields of named) expect(fields.length, `${where}: an error that names no field`).toBeGreaterThan(0);
    expect(new Set(named.flat()), where).toEqual(refused);
    return;
  }
  expect(result.body.errors, where).toBeUndefined();
  const payload = result.body.data.registerPayment;
  expect(payload.payment, where).toBeNull();
  const reported: string[] = payload.userErrors.map((e: { field: string[] }) => (e.field[0] === 'Idempotency-Key' ? 'idempotencyKey' : e.field[1]));
  for (const e of payload.userErrors) expect(e.field[0] === 'Idempotency-Key' || e.field[0] === 'input', where).toBe(true);
  const allowed = new Set(junk.patches.flatMap((p) => p.names));
  const required = junk.patches.filter((p) => p.independent || junk.patches.length === 1).flatMap((p) => p.names);
  expect(reported.length, where).toBeGreaterThan(0);
  for (const field of reported) expect(allowed.has(field), `${where}: ${field} was not spoiled`).toBe(true);
  for (const field of required) expect(reported, where).toContain(field);
}

/** Input that is not an input object at all, or a body that is not GraphQL over HTTP. */
const documentJunk = fc.oneof(
  fc
    .oneof(
      fc.constantFrom('null', '"payment"', '42', '1e309', 'true', '[]', '[{}]'),
      fc.array(fc.integer(), { maxLength: 3 }).map((a) => JSON.stringify(a)),
    )
    .map((input) => ({
      what: `input ${input}`,
      body: `{"query": ${JSON.stringify(REGISTER)}, "variables": {"input": ${input}}}`,
      names: ['input'],
    })),
  fc.constant({ what: 'no variables', body: JSON.stringify({ query: REGISTER }), names: ['input'] }),
  fc
    .constantFrom('{', '{"query": }', 'null', '[]', '"query"', '{"query": 42}', '{"query": "mutation {"}')
    .map((body) => ({ what: `body ${body}`, body, names: [] as string[] })),
);

describe('registerPayment (GraphQL) with generated junk', () => {
  test('never fails unexpectedly, always names the field in error, and stores nothing (1,000 generated inputs)', async ({ harness: h, f, send }) => {
    await expectNothingStored(h, junkRequests(f, 'graphql', documentJunk, 1), async (c) => {
      if (c.kind === 'fields') {
        const result = await send(`{"query": ${JSON.stringify(REGISTER)}, "variables": {"input": ${toJson(c.junk.registration)}}}`, c.junk.headers);
        expect(result.status, result.text.slice(0, 300)).toBeLessThan(500);
        expectNamed(c.junk, result);
      } else {
        const doc = c.request;
        const result = await send(doc.body);
        const where = `${doc.what}: ${result.status} ${result.text.slice(0, 300)}`;
        expect(result.status, where).toBeLessThan(500);
        expect(result.body.errors?.length, where).toBeGreaterThan(0);
        expect(
          result.body.errors!.every((e) => e.message.length > 0 && !/Unexpected error/.test(e.message)),
          where,
        ).toBe(true);
        if (doc.names.length > 0)
          expect(
            result.body.errors!.flatMap((e) => fieldsNamedBy(e.message)),
            where,
          ).toEqual(doc.names);
      }
    });
  }, 120_000);

  test('refuses text the database cannot store in userErrors, and filters on it find nothing (no unexpected error on Postgres)', async ({
    harness: h,
    f,
    send,
  }) => {
    const counts = await h.counts();
    const input = {
      creditor: f.creditorId,
      case: f.caseId,
      currency: 'SEK',
      amount: '10.00',
      bankTransactionDate: '2025-07-04',
      origin: 'creditor_system',
      creditorPaymentReference: 'R\u0000',
    };
    const registered = await send(JSON.stringify({ query: REGISTER, variables: { input } }));
    expect(registered.body.data.registerPayment.userErrors).toEqual([
      { field: ['input', 'creditorPaymentReference'], code: 'INVALID', message: 'creditorPaymentReference must be valid Unicode text without NUL characters' },
    ]);
    const query = `query($c: ID!, $t: String!, $id: ID!) {
      caseByInvoiceNumber(creditor: $c, invoiceNumber: $t) { id }
      payments(filter: { creditorPaymentReference: $t }) { totalCount }
      byCreditor: payments(filter: { creditor: $id, case: $id }) { totalCount }
      cases(filter: { invoiceNumber: $t, creditor: $id }) { totalCount }
    }`;
    const read = await send(JSON.stringify({ query, variables: { c: f.creditorId, t: 'x\u0000', id: '\u0000' } }));
    expect(read.body).toEqual({ data: { caseByInvoiceNumber: null, payments: { totalCount: 0 }, byCreditor: { totalCount: 0 }, cases: { totalCount: 0 } } });
    expect(await h.counts()).toEqual(counts);
  });
});
