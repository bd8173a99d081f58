import { authenticate } from '../../src/auth/apiKeys.ts';
import { Prisma } from '../../src/db/client.ts';
import { listCases, listCasesOfCreditors } from '../../src/domain/cases.ts';
import { listCreditors } from '../../src/domain/creditors.ts';
import { checkPageRequest } from '../../src/domain/paging.ts';
import { listPayments, listPaymentsOfCases, type PaymentFilter } from '../../src/domain/payments.ts';
import { createLoaders } from '../../src/graphql/loaders.ts';
import { describe, expect, test } from '../support/fixtures.ts';

/**
 * Rows read by typed statements (src/db/typedSql.ts) must be the rows Prisma reads: every field
 * of the model, with the same values and JS types (bigint, Date). A column left out of a
 * statement, or decoded differently, fails here even where no API test looks at that field.
 */
let caseIds: string[];

const FIELDS = {
  account: Object.values(Prisma.AccountScalarFieldEnum),
  creditor: Object.values(Prisma.CreditorScalarFieldEnum),
  case: Object.values(Prisma.CaseScalarFieldEnum),
  payment: Object.values(Prisma.PaymentScalarFieldEnum),
};

/** The same fields, values and types as Prisma's own row. */
function expectSameRow(typed: object | null | undefined, prisma: object | null, fields: string[]) {
  expect(prisma).not.toBeNull();
  expect(Object.keys(typed ?? {}).sort()).toEqual([...fields].sort());
  expect(typed).toStrictEqual(prisma);
}

const FIRST_PAGE = checkPageRequest({ first: 10 });

test.beforeAll(async ({ harness: h, tenant }) => {
  const open = await tenant.openCase({ capital: '300.00', costs: '12.50', interest: '3.25' });
  const closed = await tenant.openCase({ capital: '50.00' });
  await h.db.case.update({ where: { id: closed.id }, data: { state: 'CLOSED' } });
  caseIds = [open.id, closed.id];
  // A settled payment (booking date, all amounts) and one with the nullable fields left null.
  for (const [caseId, reference] of [
    [open.id, 'T-1'],
    [closed.id, null],
  ] as const) {
    await tenant.pay({ case: caseId, amount: '20.75', bankTransactionDate: '2025-07-04T16:20:41.123Z', creditorPaymentReference: reference });
  }
});

describe('rows read by typed statements', () => {
  test('the loader: a case with its creditor (and the creditor it primes)', async ({ harness: h, tenant }) => {
    const loaders = createLoaders(h.db, tenant.accountId);
    for (const id of caseIds) {
      const typed = await loaders.case.load(id);
      expectSameRow(typed, await h.db.case.findUnique({ where: { id } }), FIELDS.case);
    }
    const before = h.queries.length;
    const creditor = await loaders.creditor.load(tenant.creditorId);
    expect(h.queries.length, 'the creditor came primed from the JOIN').toBe(before);
    expectSameRow(creditor, await h.db.creditor.findUnique({ where: { id: tenant.creditorId } }), FIELDS.creditor);
  });

  test("the nested pages: each case's payments", async ({ harness: h, tenant }) => {
    const pages = await listPaymentsOfCases(h.db, tenant.accountId, caseIds, FIRST_PAGE, async () => 0);
    const typed = caseIds.flatMap((id) => pages.get(id)!.nodes);
    expect(typed).toHaveLength(2);
    for (const payment of typed) expectSameRow(payment, await h.db.payment.findUnique({ where: { id: payment.id } }), FIELDS.payment);
    expect(typed.some((p) => p.creditorPaymentReference === null && p.bookingDate === null && p.statusReasonLocale !== null)).toBe(true);
  });

  test("the nested pages: each creditor's cases", async ({ harness: h, tenant }) => {
    const pages = await listCasesOfCreditors(h.db, tenant.accountId, [tenant.creditorId], FIRST_PAGE, async () => 0);
    const typed = pages.get(tenant.creditorId)!.nodes;
    expect(typed.map((c) => c.id).sort()).toEqual([...caseIds].sort());
    for (const c of typed) expectSameRow(c, await h.db.case.findUnique({ where: { id: c.id } }), FIELDS.case);
  });

  test("the API-key lookup: the key's account", async ({ harness: h, tenant }) => {
    const caller = await authenticate(h.db, tenant.apiKey);
    expect(caller?.accountId).toBe(tenant.accountId);
    expectSameRow(caller?.account, await h.db.account.findUnique({ where: { id: tenant.accountId } }), FIELDS.account);
  });

  test('the list pages, forward and backward: payments, cases, creditors', async ({ harness: h, tenant }) => {
    for (const request of [{ first: 10 }, { last: 10 }]) {
      const payments = (await listPayments(h.db, tenant.accountId, {}, request)).nodes;
      expect(payments).toHaveLength(2);
      for (const p of payments) expectSameRow(p, await h.db.payment.findUnique({ where: { id: p.id } }), FIELDS.payment);
      const cases = (await listCases(h.db, tenant.accountId, {}, request)).nodes;
      expect(cases.map((c) => c.id).sort()).toEqual([...caseIds].sort());
      for (const c of cases) expectSameRow(c, await h.db.case.findUnique({ where: { id: c.id } }), FIELDS.case);
      const [creditor] = (await listCreditors(h.db, tenant.accountId, request)).nodes;
      expectSameRow(creditor, await h.db.creditor.findUnique({ where: { id: tenant.creditorId } }), FIELDS.creditor);
    }
  });

  test('the list pages read what Prisma reads, in its order, for every filter', async ({ harness: h, tenant }) => {
    const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];
    const filters: PaymentFilter[] = [
      {},
      { caseId: caseIds[0] },
      { status: 'completed' as const },
      { creditorPaymentReference: 'T-1' },
      { bankTransactionDateTo: new Date('2025-07-04T16:20:41.123Z') },
    ];
    for (const filter of filters) {
      const page = await listPayments(h.db, tenant.accountId, filter, { first: 10 });
      const { bankTransactionDateTo, ...equal } = filter as { bankTransactionDateTo?: Date };
      const where = { accountId: tenant.accountId, ...equal, ...(bankTransactionDateTo ? { bankTransactionDate: { lte: bankTransactionDateTo } } : {}) };
      const prisma = await h.db.payment.findMany({ where, orderBy: newestFirst });
      expect(page.nodes, JSON.stringify(filter)).toStrictEqual(prisma);
      expect(await page.totalCount()).toBe(prisma.length);
    }
  });
});
