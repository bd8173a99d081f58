import { registerPayment } from '../../src/domain/payments.ts';
import { test as base, describe, expect } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';
import { seedExample } from './operations.ts';

/**
 * Relay paging both ways on every connection: `last`/`before` give exactly the pages
 * `first`/`after` give, in reverse, with pageInfo true to the spec, in as few statements.
 */
const PAGE = `edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
const PAYMENTS = `query($first: Int, $after: String, $last: Int, $before: String) {
  payments(first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;

interface Connection {
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PAYMENT_COUNT = 250;
const caseIds: string[] = [];
let other: Tenant;
const otherIds: string[] = [];

const test = base.extend('ask', ({ harness: h, tenant }) => async (query: string, variables: Record<string, unknown>, apiKey = tenant.apiKey) => {
  h.queries.length = 0;
  const response = await h.graphql(query, variables, { apiKey });
  return { ...response.body, trips: [...h.queries] };
});

async function register(h: { db: Parameters<typeof registerPayment>[0] }, t: Tenant, caseId: string, reference: string) {
  const result = await registerPayment(h.db, t.accountId, seedExample(t.creditorId, caseId, { creditorPaymentReference: reference, amount: '1.00' }));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.payment.id;
}

test.beforeAll(async ({ harness: h, tenant }) => {
  for (let i = 0; i < 10; i++) caseIds.push((await tenant.openCase({ capital: '10000.00' })).id);
  const ids: string[] = [];
  for (let i = 0; i < PAYMENT_COUNT; i++) ids.push(await register(h, tenant, caseIds[i % caseIds.length]!, `B-${i}`));
  // 40 rows sharing one timestamp, across page boundaries: the order (and the cursors) rest on the id too.
  await h.db.payment.updateMany({ where: { id: { in: ids.slice(100, 140) } }, data: { createdAt: new Date('2025-07-04T12:00:00.000Z') } });
  other = await h.createTenant('Other');
  const otherCase = await other.openCase({ capital: '100.00' });
  for (let i = 0; i < 5; i++) otherIds.push(await register(h, other, otherCase.id, `O-${i}`));
});

/** Every page of a connection, forward by `first` or backward by `last`, in the order they were read. */
async function allPages(read: (cursor: string | null) => Promise<Connection>, backward: boolean): Promise<Connection[]> {
  const pages: Connection[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await read(cursor);
    pages.push(page);
    const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    if (!more) return pages;
    cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
    if (pages.length > 20) throw new Error('paging does not end');
  }
}

describe('paging backward', () => {
  test('last/before through 250 payments returns exactly the forward pages, reversed', async ({ ask }) => {
    const read = async (variables: Record<string, unknown>) => {
      const { data, errors } = await ask(PAYMENTS, variables);
      expect(errors).toBeUndefined();
      return data.payments as Connection;
    };
    const forward = await allPages((after) => read({ first: 25, after }), false);
    const backward = await allPages((before) => read({ last: 25, before }), true);
    expect(forward).toHaveLength(10);
    expect(backward.map((page) => page.edges)).toEqual([...forward].reverse().map((page) => page.edges));
    const ids = forward.flatMap((page) => page.edges.map((e) => e.node.id));
    expect(new Set(ids).size).toBe(PAYMENT_COUNT);
    // Relay's pageInfo: backward, hasPreviousPage says more precede and hasNextPage that `before` was given.
    backward.forEach((page, i) => {
      expect(page.pageInfo.hasPreviousPage).toBe(i < backward.length - 1);
      expect(page.pageInfo.hasNextPage).toBe(i > 0);
    });
    forward.forEach((page, i) => {
      expect(page.pageInfo.hasNextPage).toBe(i < forward.length - 1);
      expect(page.pageInfo.hasPreviousPage).toBe(i > 0);
    });
    // A size that does not divide the list: the pages still join into the same order.
    const uneven = await allPages((before) => read({ last: 30, before }), true);
    expect(uneven.reverse().flatMap((page) => page.edges.map((e) => e.node.id))).toEqual(ids);
  });

  test('after and before together bound the page from both sides; a backward page costs the statements a forward one does', async ({ ask }) => {
    const all = (await ask(PAYMENTS, { first: 100 })).data.payments as Connection;
    const [after, before] = [all.edges[9]!.cursor, all.edges[30]!.cursor];
    const between = all.edges.slice(10, 30).map((e) => e.node.id);
    const first = await ask(PAYMENTS, { first: 100, after, before });
    expect(first.data.payments.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(between);
    expect(first.data.payments.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const last = await ask(PAYMENTS, { last: 5, after, before });
    expect(last.data.payments.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(between.slice(-5));
    expect(last.data.payments.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const forwardTrips = (await ask(PAYMENTS, { first: 25 })).trips.length;
    expect((await ask(PAYMENTS, { last: 25 })).trips.length).toBe(forwardTrips);
  });

  test("nested connections page backward through the batched read: each case's payments, each creditor's cases", async ({ ask, harness: h, tenant }) => {
    const NESTED = `query($last: Int, $before: String, $first: Int) {
      cases(first: 10) { edges { node { id payments(last: $last, before: $before, first: $first) { ${PAGE} } } } }
    }`;
    const forward = await ask(NESTED, { first: 25 });
    expect(forward.errors).toBeUndefined();
    const lastFive = await ask(NESTED, { last: 5 });
    expect(lastFive.errors).toBeUndefined();
    // One statement for the payments of all ten cases (beside the key and the cases).
    expect(lastFive.trips.filter((sql) => /FROM\s+\S*"?Payment"?/i.test(sql))).toHaveLength(1);
    const nodes = (r: typeof forward) => r.data.cases.edges.map((e: { node: { id: string; payments: Connection } }) => e.node);
    for (const [i, node] of nodes(lastFive).entries()) {
      const all = nodes(forward)[i].payments as Connection;
      expect(all.edges).toHaveLength(25);
      expect(node.payments.edges).toEqual(all.edges.slice(-5));
      expect(node.payments.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    }
    // Every case's cursor pages its own case backward (one statement per distinct `before`).
    const tenth = nodes(forward).map((node: { payments: Connection }) => node.payments.edges[10]!.cursor);
    for (const [i, before] of tenth.entries()) {
      const { data } = await ask(NESTED, { last: 3, before });
      const page = nodes({ data } as typeof forward)[i].payments as Connection;
      expect(page.edges).toEqual(nodes(forward)[i].payments.edges.slice(7, 10));
      expect(page.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    }
    const creditorCases = await ask(`query($c: ID!) { creditor(id: $c) { cases(last: 3) { ${PAGE} } } }`, { c: tenant.creditorId });
    const cases = await h.db.case.findMany({ where: { creditorId: tenant.creditorId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    expect(creditorCases.data.creditor.cases.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(cases.slice(-3).map((c) => c.id));
    expect(creditorCases.data.creditor.cases.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  test('creditors and cases lists page backward too', async ({ ask }) => {
    const cases = await ask(`{ cases(first: 10) { ${PAGE} } }`, {});
    const lastCases = await ask(`query($b: String) { cases(last: 4, before: $b) { ${PAGE} } }`, { b: cases.data.cases.edges[6].cursor });
    expect(lastCases.data.cases.edges).toEqual(cases.data.cases.edges.slice(2, 6));
    const creditors = await ask(`{ creditors(last: 1) { ${PAGE} } }`, {});
    expect(creditors.data.creditors.edges).toHaveLength(1);
    expect(creditors.data.creditors.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: false });
  });
});

describe('bad page arguments', () => {
  test('a list of lists costed by last: past the cost limit it is refused before any read', async ({ ask }) => {
    const costly = await ask(`{ cases(last: 100) { edges { node { payments(last: 100) { edges { node { id } } } } } } }`, {});
    expect(costly.data ?? null).toBeNull();
    expect(costly.errors?.[0]?.message).toMatch(/complexity/i);
    expect(costly.trips.filter((sql) => !/ApiKey/.test(sql))).toEqual([]);
    const cheap = await ask(`{ cases(last: 10) { edges { node { payments(last: 10) { edges { node { id } } } } } } }`, {});
    expect(cheap.errors).toBeUndefined();
  });

  test('are refused naming the argument, on the root and on nested connections', async ({ ask }) => {
    const hostile = [
      Buffer.from('1;DROP TABLE "Payment";--:000000000000000000000000').toString('base64url'),
      Buffer.from('99999999999999999:000000000000000000000000').toString('base64url'),
      Buffer.from(`1751631641123:${'0'.repeat(23)}g`).toString('base64url'),
      'x'.repeat(5000),
    ];
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ first: 5, last: 5 }, 'last'],
      [{ last: 101 }, 'last'],
      [{ last: -1 }, 'last'],
      [{ first: 101 }, 'first'],
      ...hostile.map((before): [Record<string, unknown>, string] => [{ last: 5, before }, 'before']),
      ...hostile.map((after): [Record<string, unknown>, string] => [{ last: 5, after }, 'after']),
    ];
    for (const [variables, field] of cases) {
      const root = await ask(PAYMENTS, variables);
      expect(root.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      const nested = await ask(
        `query($c: ID!, $first: Int, $after: String, $last: Int, $before: String) { case(id: $c) { payments(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } } }`,
        { c: caseIds[0], ...variables },
      );
      expect(nested.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect((nested.errors?.[0] as { path?: unknown } | undefined)?.path).toEqual(['case', 'payments']);
    }
  });

  test("another account's cursor selects nothing of that account, in either direction", async ({ ask, harness: h, tenant }) => {
    const theirs = (await ask(PAYMENTS, { first: 5 }, other.apiKey)).data.payments as Connection;
    expect(theirs.edges.map((e) => e.node.id).sort()).toEqual([...otherIds].sort());
    const mine = new Set((await h.db.payment.findMany({ where: { accountId: tenant.accountId }, select: { id: true } })).map((p) => p.id));
    expect(mine.size).toBe(PAYMENT_COUNT);
    for (const { cursor } of theirs.edges) {
      // Their payments are newer than all of ours: before their cursor lie only their own (never shown).
      for (const [variables, count] of [
        [{ first: 100, after: cursor }, 100],
        [{ last: 100, after: cursor }, 100],
        [{ last: 100, before: cursor }, 0],
        [{ first: 100, before: cursor }, 0],
      ] as const) {
        const { data, errors } = await ask(PAYMENTS, variables, tenant.apiKey);
        expect(errors).toBeUndefined();
        const ids: string[] = data.payments.edges.map((e: { node: { id: string } }) => e.node.id);
        expect(ids).toHaveLength(count);
        expect(ids.filter((id) => !mine.has(id))).toEqual([]);
      }
    }
  });
});
