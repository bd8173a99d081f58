import { onPostgres } from '../support/database.ts';
import { test as base, describe, expect } from '../support/fixtures.ts';
import { REGISTER, seedExample } from './operations.ts';

const LIST = /* GraphQL */ `
  query List($first: Int, $after: String, $filter: PaymentFilter) {
    payments(first: $first, after: $after, filter: $filter) {
      edges { cursor node { id amount status caseInvoiceNumber caseReferenceNumber case { state } creditor { name } account { name } } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
`;

const caseIds: string[] = [];

const test = base.extend('roundTrips', ({ harness: h, tenant }) => async (query: string, variables: Record<string, unknown>) => {
  h.queries.length = 0;
  const response = await h.graphql(query, variables, { apiKey: tenant.apiKey });
  expect(response.body.errors).toBeUndefined();
  return { trips: [...h.queries], data: response.body.data };
});

test.beforeAll(async ({ harness: h, tenant }) => {
  // 120 payments spread over 40 cases, so a page of 100 points at many distinct cases.
  for (let i = 0; i < 40; i++) caseIds.push((await tenant.openCase({ capital: '10000.00' })).id);
  for (let i = 0; i < 120; i++) {
    const r = await h.graphql(
      REGISTER,
      { input: seedExample(tenant.creditorId, caseIds[i % 40]!, { creditorPaymentReference: `L-${i}`, amount: `${i + 1}.00` }) },
      { apiKey: tenant.apiKey },
    );
    expect(r.body.data.registerPayment.userErrors).toEqual([]);
  }
});

describe('payments list', () => {
  test('costs the same number of database round trips for 1, 10 and 100 payments', async ({ roundTrips }) => {
    const counts: number[] = [];
    for (const first of [1, 10, 100]) {
      const { trips, data } = await roundTrips(LIST, { first });
      expect(data.payments.edges).toHaveLength(first);
      counts.push(trips.length);
    }
    // the key with its account, the page, its cases joined with their creditors
    expect(counts).toEqual([3, 3, 3]);
  });

  test('on Postgres, looks the cases up with one statement text whatever their number (it stays prepared)', async ({ roundTrips }) => {
    const caseLookup = async (first: number) =>
      (await roundTrips(LIST, { first })).trips.filter((sql) => /FROM\s+\S*"?Case"?/i.test(sql) && !/Payment/.test(sql));
    const [one, hundred] = [await caseLookup(1), await caseLookup(100)];
    expect([one.length, hundred.length]).toEqual([1, 1]);
    if (onPostgres) expect(hundred[0]).toBe(one[0]);
  });

  test('issues one query per related table however many rows point at it (batching on)', async ({ roundTrips }) => {
    const { trips } = await roundTrips(LIST, { first: 100 });
    expect(trips.filter((sql) => /FROM\s+\S*"?Case"?/i.test(sql) && !/Payment/.test(sql))).toHaveLength(1);
  });

  test('reads the cases only when a row projects them, also when asked through fragments', async ({ roundTrips }) => {
    const readsCases = (trips: string[]) => trips.filter((sql) => /FROM\s+\S*"?Case"?/i.test(sql) && !/Payment/.test(sql)).length;
    const bare = await roundTrips(`{ payments(first: 100) { edges { node { id amount } } } }`, {});
    expect(readsCases(bare.trips)).toBe(0);
    const fragments = await roundTrips(
      `query { payments(first: 100) { edges { ...Row } } } fragment Row on PaymentEdge { node { ... on Payment { id caseReferenceNumber } } }`,
      {},
    );
    expect(readsCases(fragments.trips)).toBe(1);
    expect(fragments.trips).toHaveLength(3);
    expect(fragments.data.payments.edges).toHaveLength(100);
    expect(fragments.data.payments.edges.every((e: { node: { caseReferenceNumber: string } }) => e.node.caseReferenceNumber.length > 0)).toBe(true);
  });

  test('runs no count query unless totalCount is selected', async ({ roundTrips }) => {
    const without = await roundTrips(`{ payments(first: 5) { edges { node { id } } } }`, {});
    expect(without.trips.some((sql) => /COUNT\(/i.test(sql))).toBe(false);
    const withCount = await roundTrips(`{ payments(first: 5) { totalCount edges { node { id } } } }`, {});
    expect(withCount.trips.filter((sql) => /COUNT\(/i.test(sql))).toHaveLength(1);
    expect(withCount.data.payments.totalCount).toBe(120);
  });

  test('is newest first and pages with cursors without gaps or repeats', async ({ harness: h, roundTrips }) => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const { data } = await roundTrips(LIST, { first: 25, after });
      const page = data.payments;
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(120);
    const stored = await h.db.payment.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { id: true } });
    expect(seen).toEqual(stored.map((p) => p.id));
  });

  test('filters by case, status and reference', async ({ roundTrips }) => {
    const byCase = await roundTrips(LIST, { first: 100, filter: { case: caseIds[3] } });
    expect(byCase.data.payments.edges).toHaveLength(3);
    const byRef = await roundTrips(LIST, { filter: { creditorPaymentReference: 'L-7' } });
    expect(byRef.data.payments.edges.map((e: { node: { amount: string } }) => e.node.amount)).toEqual(['8.00']);
    const warnings = await roundTrips(LIST, { filter: { status: 'WARNING' } });
    expect(warnings.data.payments.edges).toHaveLength(0);
  });

  test('filters by bank transaction date, inclusive, in either date format', async ({ roundTrips }) => {
    const inRange = await roundTrips(LIST, {
      first: 1,
      filter: { bankTransactionDateFrom: 'Fri, 04 Jul 2025 16:20:41 GMT', bankTransactionDateTo: '2025-07-04T16:20:41Z' },
    });
    expect(inRange.data.payments.edges).toHaveLength(1);
    const after = await roundTrips(LIST, { first: 1, filter: { bankTransactionDateFrom: '2025-07-05' } });
    expect(after.data.payments.edges).toHaveLength(0);
  });

  test('refuses more than 100 per page, and a bad cursor or date, naming the argument', async ({ harness: h, tenant }) => {
    for (const [variables, field] of [
      [{ first: 101 }, 'first'],
      [{ first: -1 }, 'first'],
      [{ after: 'not-a-cursor' }, 'after'],
      [{ filter: { bankTransactionDateFrom: 'soon' } }, 'filter.bankTransactionDateFrom'],
    ] as const) {
      const response = await h.graphql(LIST, variables, { apiKey: tenant.apiKey });
      expect(response.body.data).toBeNull();
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  test('defaults to 25 per page', async ({ roundTrips }) => {
    const { data } = await roundTrips(LIST, {});
    expect(data.payments.edges).toHaveLength(25);
    expect(data.payments.pageInfo.hasNextPage).toBe(true);
  });
});

describe('cases and creditors', () => {
  test('lists cases with filters and finds one by invoice number', async ({ tenant, roundTrips }) => {
    const { data } = await roundTrips(
      `query($c: ID!) { cases(first: 100, filter: { creditor: $c, state: OPEN }) { totalCount edges { node { id invoiceNumber } } } }`,
      { c: tenant.creditorId },
    );
    expect(data.cases.totalCount).toBe(40);
    const invoice = data.cases.edges[0].node.invoiceNumber;
    const found = await roundTrips(
      `query($c: ID!, $i: String!) { caseByInvoiceNumber(creditor: $c, invoiceNumber: $i) { id payments(first: 100) { totalCount } } }`,
      {
        c: tenant.creditorId,
        i: invoice,
      },
    );
    expect(found.data.caseByInvoiceNumber.id).toBe(data.cases.edges[0].node.id);
    expect(found.data.caseByInvoiceNumber.payments.totalCount).toBe(3);
  });

  test('lists creditors with their cases', async ({ tenant, roundTrips }) => {
    const { data } = await roundTrips(
      `{ creditors { totalCount edges { node { id name account { id } cases(first: 2) { totalCount edges { node { id } } } } } } }`,
      {},
    );
    expect(data.creditors.totalCount).toBe(1);
    expect(data.creditors.edges[0].node).toMatchObject({ id: tenant.creditorId, account: { id: tenant.accountId }, cases: { totalCount: 40 } });
    expect(data.creditors.edges[0].node.cases.edges).toHaveLength(2);
  });
});
