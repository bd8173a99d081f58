import { listCases, openCase } from '../../src/domain/cases.ts';
import { createCreditor } from '../../src/domain/creditors.ts';
import { newId } from '../../src/domain/ids.ts';
import type { Page } from '../../src/domain/paging.ts';
import { listPayments } from '../../src/domain/payments.ts';
import { test as base, describe, expect } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';
import { REGISTER, seedExample } from './operations.ts';

// A connection field inside a list (each case's payments, each creditor's cases) is read for
// all parents at once: the statements of a request do not grow with the page size.

const PAGE = `totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;

const PAYMENTS_OF_CASES = /* GraphQL */ `
  query($first: Int, $nested: Int, $after: String) {
    payments(first: $first) { edges { node { case { id payments(first: $nested, after: $after) { ${PAGE} } } } } }
  }
`;

const CASES_OF_CREDITORS = /* GraphQL */ `
  query($first: Int, $nested: Int, $after: String, $payments: Int) {
    creditors(first: $first) {
      edges { node { id cases(first: $nested, after: $after) { ${PAGE} edges { node { id payments(first: $payments) { ${PAGE} } } } } } }
    }
  }
`;

let a: Tenant;
let b: Tenant;
const aCreditors: string[] = [];
const aCases: string[] = [];
let intruderPaymentId: string;
let intruderCaseId: string;

const test = base.extend('run', ({ harness: h }) => async (query: string, variables: Record<string, unknown>, apiKey = a.apiKey) => {
  h.queries.length = 0;
  const response = await h.graphql(query, variables, { apiKey });
  expect(response.body.errors).toBeUndefined();
  return { statements: [...h.queries], data: response.body.data };
});

test.beforeAll(async ({ harness: h }) => {
  a = await h.createTenant('Alpha');
  b = await h.createTenant('Beta');
  // Three creditors: 16 cases, 5 cases, none.
  aCreditors.push(a.creditorId);
  for (const name of ['Second AB', 'Empty AB']) aCreditors.push((await createCreditor(h.db, a.accountId, name)).id);
  for (let i = 0; i < 21; i++) {
    const creditorId = i < 16 ? aCreditors[0]! : aCreditors[1]!;
    aCases.push((await openCase(h.db, { creditorId, invoiceNumber: `N-${i}`, referenceNumber: `R-${i}`, capital: '100000.00' })).id);
  }
  // 130 payments spread unevenly over 13 of the first creditor's cases (from 36 to 2; 3 cases get none).
  for (let i = 0; i < 130; i++) {
    const caseId = aCases[Math.floor(13 * (i / 130) ** 2)]!;
    const r = await h.graphql(
      REGISTER,
      { input: seedExample(a.creditorId, caseId, { creditorPaymentReference: `NB-${i}`, amount: `${i + 1}.00` }) },
      { apiKey: a.apiKey },
    );
    expect(r.body.data.registerPayment.userErrors).toEqual([]);
  }
  // Rows sharing a timestamp, so the order (and the cursors) rest on the id as well.
  const tie = new Date('2026-01-01T00:00:00.000Z');
  await h.db.payment.updateMany({ where: { caseId: { in: [aCases[0]!, aCases[4]!] } }, data: { createdAt: tie } });
  await h.db.case.updateMany({ where: { creditorId: aCreditors[1]! }, data: { createdAt: tie } });

  // Account B's own case and payment, and two rows of B that point at A's case and creditor:
  // a read scoped by parent alone, not by account, would show them to A.
  const bCase = await b.openCase({ capital: '500.00' });
  const r = await h.graphql(REGISTER, { input: seedExample(b.creditorId, bCase.id, { creditorPaymentReference: 'B-1' }) }, { apiKey: b.apiKey });
  expect(r.body.data.registerPayment.userErrors).toEqual([]);
  const template = await h.db.payment.findUniqueOrThrow({ where: { id: r.body.data.registerPayment.payment.id } });
  intruderPaymentId = newId();
  await h.db.payment.create({
    data: { ...template, id: intruderPaymentId, caseId: aCases[0]!, creditorId: a.creditorId, creditorPaymentReference: 'B-intruder', createdAt: new Date() },
  });
  intruderCaseId = newId();
  await h.db.case.create({
    data: {
      id: intruderCaseId,
      accountId: b.accountId,
      creditorId: a.creditorId,
      invoiceNumber: 'B-intruder',
      referenceNumber: 'B-intruder',
      currency: 'SEK',
      state: 'OPEN',
      remainingCosts: 0n,
      remainingInterest: 0n,
      remainingCapital: 100n,
    },
  });
});

/** What the unbatched read (one parent at a time) answers, in the connection's shape. */
async function expected<T extends { id: string }>(page: Page<T>) {
  return {
    totalCount: await page.totalCount(),
    edges: page.nodes.map((node, i) => ({ cursor: page.cursors[i], node: { id: node.id } })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors.at(-1) ?? null,
    },
  };
}

type Connection = { totalCount: number; edges: Array<{ cursor: string; node: { id: string } }> };

describe("each case's payments inside a list of payments", () => {
  test('costs the same statements for a page of 1 and a page of 100', async ({ run }) => {
    const query = `query($first: Int) { payments(first: $first) { edges { node { case { payments(first: 10) { totalCount edges { node { id } } } } } } } }`;
    const one = await run(query, { first: 1 });
    const hundred = await run(query, { first: 100 });
    expect(one.data.payments.edges).toHaveLength(1);
    expect(hundred.data.payments.edges).toHaveLength(100);
    // the key with its account, the page, the cases, their payments' pages, their counts
    expect(one.statements).toHaveLength(5);
    expect(hundred.statements).toHaveLength(5);
  });

  test('gives each case the page, cursors, pageInfo and totalCount the unbatched read gives', async ({ harness: h, run }) => {
    const cases = new Set<string>();
    // (as large as the cost limit lets each nested page be)
    for (const [first, nested] of [
      [100, 0],
      [100, 1],
      [50, 3],
      [20, 15],
      [8, 40],
      [3, 100],
    ]) {
      const { data } = await run(PAYMENTS_OF_CASES, { first, nested });
      const seen = new Set<string>();
      for (const { node } of data.payments.edges) {
        if (seen.has(node.case.id)) continue;
        seen.add(node.case.id);
        const page = await listPayments(h.db, a.accountId, { caseId: node.case.id }, { first: nested });
        expect(node.case.payments).toEqual(await expected(page));
        cases.add(node.case.id);
      }
    }
    expect(cases.size).toBeGreaterThanOrEqual(10);
  });

  test('honours after: the next page of every case, across rows that share a timestamp', async ({ harness: h, run }) => {
    // The tied case has 36 payments; its cursors make the next page of every case.
    const first = await run(`query($c: ID!) { case(id: $c) { payments(first: 4) { ${PAGE} } } }`, { c: aCases[0] });
    for (const cursor of first.data.case.payments.edges.map((e: { cursor: string }) => e.cursor)) {
      const { data } = await run(PAYMENTS_OF_CASES, { first: 50, nested: 5, after: cursor });
      const checked = new Set<string>();
      for (const { node } of data.payments.edges) {
        if (checked.has(node.case.id)) continue;
        checked.add(node.case.id);
        const page = await listPayments(h.db, a.accountId, { caseId: node.case.id }, { first: 5, after: cursor });
        expect(node.case.payments).toEqual(await expected(page));
      }
    }
  });

  test('pages through one case without gaps or repeats, newest first', async ({ harness: h, run }) => {
    const ids: string[] = [];
    let after: string | null = null;
    do {
      const { data } = await run(`query($c: ID!, $after: String) { case(id: $c) { payments(first: 4, after: $after) { ${PAGE} } } }`, { c: aCases[0], after });
      const page: Connection & { pageInfo: { hasNextPage: boolean; endCursor: string } } = data.case.payments;
      ids.push(...page.edges.map((e) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    const stored = await h.db.payment.findMany({ where: { caseId: aCases[0], accountId: a.accountId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    expect(ids).toEqual(stored.map((p) => p.id));
  });

  test('gives the nested rows the same values (money, dates) as a payment read alone', async ({ run }) => {
    const fields =
      'id amount settledAmount settledCosts status bankTransactionDate clientRegistrationDate bookingDate createdAt updatedAt etag caseInvoiceNumber';
    const { data } = await run(`{ cases(first: 100) { edges { node { id remainingTotal payments(first: 3) { edges { node { ${fields} } } } } } } }`, {});
    let compared = 0;
    for (const { node: c } of data.cases.edges) {
      for (const { node: p } of c.payments.edges) {
        const alone = await run(`query($p: ID!) { payment(id: $p) { ${fields} } }`, { p: p.id });
        expect(p).toEqual(alone.data.payment);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });

  test('reads the same field with other arguments (an alias) in one more statement, each with its own pages', async ({ harness: h, run }) => {
    const { statements, data } = await run(
      `{ payments(first: 100) { edges { node { case { id one: payments(first: 1) { edges { cursor node { id } } } two: payments(first: 2) { edges { cursor node { id } } } } } } } }`,
      {},
    );
    expect(statements).toHaveLength(5);
    for (const { node } of data.payments.edges.slice(0, 20)) {
      for (const [alias, first] of [
        ['one', 1],
        ['two', 2],
      ] as const) {
        const { edges } = await expected(await listPayments(h.db, a.accountId, { caseId: node.case.id }, { first }));
        expect(node.case[alias].edges).toEqual(edges);
      }
    }
  });

  test('reports a bad page argument on its field', async ({ harness: h }) => {
    const response = await h.graphql(`{ payments(first: 2) { edges { node { case { payments(first: 101) { totalCount } } } } } }`, {}, { apiKey: a.apiKey });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const cursor = await h.graphql(`{ payments(first: 2) { edges { node { case { payments(after: "nope") { totalCount } } } } } }`, {}, { apiKey: a.apiKey });
    expect(cursor.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe("each creditor's cases inside a list of creditors", () => {
  test('costs the same statements for a page of 1 and a page of many, two levels deep', async ({ run }) => {
    const small = await run(CASES_OF_CREDITORS, { first: 3, nested: 1, payments: 1 });
    const large = await run(CASES_OF_CREDITORS, { first: 3, nested: 16, payments: 5 });
    // the key with its account, creditors, their cases' pages and counts, the cases' payments' pages and counts
    expect(small.statements).toHaveLength(6);
    expect(large.statements).toHaveLength(6);
    const sizes = large.data.creditors.edges.map((e: { node: { cases: Connection } }) => e.node.cases.edges.length);
    expect(sizes.sort((x: number, y: number) => x - y)).toEqual([0, 5, 16]);
  });

  test('gives each creditor the unbatched page of cases, and each case its payments', async ({ harness: h, run }) => {
    for (const [nested, after] of [
      [2, null],
      [16, null],
      [3, 'tied'],
    ] as const) {
      let cursor: string | null = null;
      if (after === 'tied') {
        const tied = await listCases(h.db, a.accountId, { creditorId: aCreditors[1] }, { first: 2 });
        cursor = tied.cursors[1]!;
      }
      const { data } = await run(CASES_OF_CREDITORS, { first: 3, nested, after: cursor, payments: 4 });
      expect(data.creditors.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual([...aCreditors].sort());
      for (const { node: creditor } of data.creditors.edges) {
        const page = await listCases(h.db, a.accountId, { creditorId: creditor.id }, { first: nested, after: cursor });
        const { edges, ...rest } = creditor.cases;
        const want = await expected(page);
        expect({ ...rest, edges: edges.map((e: { cursor: string; node: { id: string } }) => ({ cursor: e.cursor, node: { id: e.node.id } })) }).toEqual(want);
        for (const { node: c } of edges) {
          expect(c.payments).toEqual(await expected(await listPayments(h.db, a.accountId, { caseId: c.id }, { first: 4 })));
        }
      }
    }
  });
});

describe('tenancy', () => {
  test("never shows another account's rows that point at this account's case or creditor", async ({ harness: h, run }) => {
    const { data } = await run(CASES_OF_CREDITORS, { first: 3, nested: 16, payments: 3 });
    const text = JSON.stringify(data);
    expect(text).not.toContain(intruderPaymentId);
    expect(text).not.toContain(intruderCaseId);
    const first = data.creditors.edges.find((e: { node: { id: string } }) => e.node.id === a.creditorId).node.cases;
    expect(first.totalCount).toBe(16);
    const tied = first.edges.find((e: { node: { id: string } }) => e.node.id === aCases[0]).node.payments;
    expect(tied.totalCount).toBe(await h.db.payment.count({ where: { caseId: aCases[0], accountId: a.accountId } }));
    const nested = await run(PAYMENTS_OF_CASES, { first: 100, nested: 2 });
    expect(JSON.stringify(nested.data)).not.toContain(intruderPaymentId);
  });

  test('shows account B only its own rows in the same nested lists', async ({ run }) => {
    const { data } = await run(
      `{ creditors(first: 5) { edges { node { id cases(first: 5) { totalCount edges { node { id payments(first: 5) { totalCount edges { node { id } } } } } } } } } }`,
      {},
      b.apiKey,
    );
    expect(data.creditors.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([b.creditorId]);
    const text = JSON.stringify(data);
    for (const id of [...aCases, ...aCreditors]) expect(text).not.toContain(id);
  });
});
