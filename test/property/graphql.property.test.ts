import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTER } from '../graphql/operations.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { createJunkFixture, fieldsNamedBy, graphqlRefuses, type Junk, type JunkFixture, junkRegistrations, snapshot, toJson } from './junk.ts';

let h: Harness;
let f: JunkFixture & { apiKey: string };

beforeAll(async () => {
  h = await createHarness();
  f = await createJunkFixture(h);
});
afterAll(() => h?.close());

/** Posts raw JSON text, so values JSON.stringify cannot write (1e309, -0) reach the server. */
async function send(bodyText: string, headers: Record<string, string> = {}) {
  const response = await h.yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': f.apiKey, ...headers },
    body: bodyText,
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as { data?: any; errors?: Array<{ message: string }> } };
}

function expectNamed(junk: Junk, result: Awaited<ReturnType<typeof send>>) {
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
  it('never fails unexpectedly, always names the field in error, and stores nothing (1,000 generated inputs)', async () => {
    const before = await snapshot(h.db);
    const cases = fc.oneof(
      { arbitrary: junkRegistrations(f, 'graphql').map((junk) => ({ kind: 'fields' as const, junk })), weight: 19 },
      { arbitrary: documentJunk.map((doc) => ({ kind: 'document' as const, doc })), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const counts = await h.counts();
        if (c.kind === 'fields') {
          const headers: Record<string, string> = c.junk.idempotencyKey !== undefined ? { 'idempotency-key': c.junk.idempotencyKey } : {};
          const result = await send(`{"query": ${JSON.stringify(REGISTER)}, "variables": {"input": ${toJson(c.junk.registration)}}}`, headers);
          expect(result.status, result.text.slice(0, 300)).toBeLessThan(500);
          expectNamed(c.junk, result);
        } else {
          const result = await send(c.doc.body);
          const where = `${c.doc.what}: ${result.status} ${result.text.slice(0, 300)}`;
          expect(result.status, where).toBeLessThan(500);
          expect(result.body.errors?.length, where).toBeGreaterThan(0);
          expect(
            result.body.errors!.every((e) => e.message.length > 0 && !/Unexpected error/.test(e.message)),
            where,
          ).toBe(true);
          if (c.doc.names.length > 0)
            expect(
              result.body.errors!.flatMap((e) => fieldsNamedBy(e.message)),
              where,
            ).toEqual(c.doc.names);
        }
        expect(await h.counts()).toEqual(counts);
      }),
      { numRuns: 1000 },
    );
    expect(await snapshot(h.db)).toEqual(before);
  }, 120_000);

  it('refuses text the database cannot store in userErrors, and filters on it find nothing (no unexpected error on Postgres)', async () => {
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
