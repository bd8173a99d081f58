import { LIMITS } from '../../src/graphql/limits.ts';
import { restTest as base, describe, expect } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';
import { REGISTER, seedExample } from './operations.ts';

// @defer: a list of cases comes at once, each case's payments follow in later parts of a
// multipart/mixed answer, through the whole HTTP app, within the same limits as any operation.

const PAYMENTS = `payments(first: 3) { totalCount edges { node { amount settledAmount } } }`;
const DEFERRED = /* GraphQL */ `
  query CasesThenPayments {
    cases(first: 10) { edges { node { id invoiceNumber ... @defer(label: "payments") { ${PAYMENTS} } } } }
  }
`;
const AT_ONCE = /* GraphQL */ `
  query CasesWithPayments {
    cases(first: 10) { edges { node { id invoiceNumber ${PAYMENTS} } } }
  }
`;

interface Part {
  data?: any;
  errors?: unknown[];
  incremental?: Array<{ data: Record<string, unknown>; path: Array<string | number>; label?: string }>;
  hasNext?: boolean;
}

/** The JSON parts of a multipart/mixed body (the GraphQL incremental delivery format). */
function partsOf(contentType: string, body: string): Part[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  return body
    .split(`--${boundary}`)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk !== '' && chunk !== '--')
    .map((chunk) => JSON.parse(chunk.slice(chunk.indexOf('\r\n\r\n') + 4)) as Part);
}

/** Applies each incremental part at its path: the result the client ends up with. */
function merged(parts: Part[]): any {
  const [first, ...rest] = parts;
  const data = structuredClone(first!.data);
  for (const part of rest) {
    for (const increment of part.incremental ?? []) {
      let target = data;
      for (const step of increment.path) target = target[step];
      Object.assign(target, increment.data);
    }
  }
  return data;
}

const test = base.extend('seeded', { scope: 'file' }, async ({ harness: h }) => {
  const tenant: Tenant = await h.createTenant('Deferring');
  // Four cases, three with payments (3, 1, 5 of them), one without.
  const cases: string[] = [];
  for (const [i, count] of [3, 1, 0, 5].entries()) {
    const c = await tenant.openCase({ capital: '100.00', invoiceNumber: `DEF-${i}` });
    cases.push(c.id);
    for (let p = 0; p < count; p++) {
      const r = await h.graphql(
        REGISTER,
        { input: seedExample(tenant.creditorId, c.id, { creditorPaymentReference: `D-${i}-${p}`, amount: `${10 * (p + 1)}.00` }) },
        { apiKey: tenant.apiKey },
      );
      expect(r.body.data.registerPayment.userErrors).toEqual([]);
    }
  }
  return { tenant, cases };
});

async function send(app: import('fastify').FastifyInstance, apiKey: string, query: string) {
  const response = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed, application/json', 'x-api-key': apiKey },
    payload: JSON.stringify({ query }),
  });
  return { status: response.statusCode, contentType: String(response.headers['content-type']), body: response.body };
}

describe('@defer', () => {
  test("sends the cases first and each case's payments in later parts, adding up to the undeferred answer", async ({ harness: h, seeded }) => {
    h.queries.length = 0;
    const answer = await send(h.app, seeded.tenant.apiKey, DEFERRED);
    const statements = h.queries.filter((sql) => !/ApiKey/.test(sql)).length;
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^multipart\/mixed/);
    const parts = partsOf(answer.contentType, answer.body);
    // The first part: the cases, newest first, without payments; more to come.
    expect(parts[0]!.hasNext).toBe(true);
    // Newest first as stored: cases opened within one millisecond are ordered by id.
    const newestFirst = await h.db.case.findMany({
      where: { id: { in: seeded.cases } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { id: true, invoiceNumber: true },
    });
    expect(newestFirst).toHaveLength(4);
    expect(parts[0]!.data.cases.edges.map((e: any) => e.node)).toEqual(newestFirst);
    // Then one increment per case, labelled, at its case's path; the last part says it is the last.
    const increments = parts.slice(1).flatMap((part) => part.incremental ?? []);
    expect(increments).toHaveLength(4);
    for (const increment of increments) expect(increment).toMatchObject({ label: 'payments', path: ['cases', 'edges', expect.any(Number), 'node'] });
    expect(parts.at(-1)!.hasNext).toBe(false);
    const whole = merged(parts);
    // 10 + 20 + 30 + 40 pay the case's 100.00 off; the 50.00 after settles nothing. Newest first, 3 of 5.
    const paymentsOf = (invoiceNumber: string) => whole.cases.edges.find((e: any) => e.node.invoiceNumber === invoiceNumber).node.payments;
    expect(paymentsOf('DEF-3')).toEqual({
      totalCount: 5,
      edges: [
        { node: { amount: '50.00', settledAmount: '0.00' } },
        { node: { amount: '40.00', settledAmount: '40.00' } },
        { node: { amount: '30.00', settledAmount: '30.00' } },
      ],
    });
    expect(paymentsOf('DEF-1')).toEqual({ totalCount: 1, edges: [{ node: { amount: '10.00', settledAmount: '10.00' } }] });
    expect(paymentsOf('DEF-2')).toEqual({ totalCount: 0, edges: [] });

    // The same data as the operation without @defer (run compiled), and still batched: the deferred
    // payments of all cases come in one statement (and one count), not one per case.
    h.queries.length = 0;
    const atOnce = await send(h.app, seeded.tenant.apiKey, AT_ONCE);
    expect(atOnce.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(atOnce.body)).toEqual({ data: whole });
    expect(statements).toBe(h.queries.filter((sql) => !/ApiKey/.test(sql)).length);
  });

  test('a deferred operation over the cost limit is refused before anything runs', async ({ harness: h, seeded }) => {
    h.queries.length = 0;
    const costly = `query { cases(first: 100) { edges { node { id ... @defer { payments(first: 100) { edges { node { amount } } } } } } } }`;
    const answer = await send(h.app, seeded.tenant.apiKey, costly);
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.body);
    expect(body.data).toBeUndefined();
    expect(body.errors[0].extensions.code).toBe('QUERY_COMPLEXITY');
    expect(body.errors[0].message).toContain(`${LIMITS.complexity}`);
    expect(h.queries.filter((sql) => !/ApiKey/.test(sql))).toEqual([]);
  });

  test('more @defer directives than the directive limit are refused', async ({ harness: h, seeded }) => {
    const many = Array.from({ length: LIMITS.directives + 1 }, () => '... @defer { id }').join(' ');
    const answer = await send(h.app, seeded.tenant.apiKey, `query { cases(first: 1) { edges { node { ${many} } } } }`);
    // Refused while parsing (as an application/json answer: GraphQL's error shape), nothing runs.
    expect(JSON.parse(answer.body)).toEqual({
      errors: [{ message: `Syntax Error: Directives limit of ${LIMITS.directives} exceeded, found ${LIMITS.directives + 1}.` }],
    });
  });

  test("@defer on a mutation's root field is refused by validation, and nothing is stored", async ({ harness: h, seeded }) => {
    const before = await h.counts();
    const input = `{ creditor: "${seeded.tenant.creditorId}", case: "${seeded.cases[2]}", currency: SEK, amount: "1.00", bankTransactionDate: "2025-07-04T16:20:41Z", origin: "creditor_system" }`;
    const answer = await send(h.app, seeded.tenant.apiKey, `mutation { ... @defer { registerPayment(input: ${input}) { replayed } } }`);
    const body = JSON.parse(answer.body);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/defer/i) })]);
    expect(await h.counts()).toEqual(before);
  });
});

describe('@defer for a client that accepts only JSON', () => {
  test('answers 406 Not Acceptable: the parts need multipart/mixed (or text/event-stream)', async ({ harness: h, seeded }) => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': seeded.tenant.apiKey },
      payload: JSON.stringify({ query: DEFERRED }),
    });
    expect(response.statusCode).toBe(406);
  });
});
