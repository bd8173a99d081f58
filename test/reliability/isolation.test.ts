import { setTimeout as sleep } from 'node:timers/promises';
import { registerPayment } from '../../src/domain/payments.ts';
import { checkRegistration, registrationFingerprint } from '../../src/domain/registration.ts';
import { test as base, describe, expect } from '../support/fixtures.ts';
import { seedExample } from '../support/registration.ts';

/**
 * What one request reads never includes another request's uncommitted writes. SQLite runs
 * every query of a process on one connection: a query that slipped into another request's
 * open transaction would see (and could acknowledge) what that transaction later rolls back.
 */

/** Another request's settlement that wrote its case and its payment, then fails before COMMIT (a crash, an I/O error). */
const test = base.extend('failingSettlement', ({ harness: h, tenant }) => (caseId: string, input: Record<string, unknown>, hold: number) => {
  const { registration } = checkRegistration(input, new Date());
  const r = registration!;
  const now = new Date();
  return h.db
    .$transaction(
      async (tx) => {
        await tx.case.update({ where: { id: caseId }, data: { version: { increment: 1 }, remainingCapital: { decrement: r.amount } } });
        await tx.payment.create({
          data: {
            id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
            accountId: tenant.accountId,
            creditorId: r.creditorId,
            caseId,
            currency: r.currency,
            amount: r.amount,
            settledCosts: 0n,
            settledInterest: 0n,
            settledCapital: r.amount,
            status: 'completed',
            bankTransactionDate: r.bankTransactionDate,
            clientRegistrationDate: r.clientRegistrationDate ?? now,
            bookingDate: now,
            creditorPaymentReference: r.creditorPaymentReference,
            requestHash: registrationFingerprint(r, caseId),
            origin: r.origin,
            etag: 'e',
            createdAt: now,
            updatedAt: now,
          },
        });
        await sleep(hold);
        throw new Error('failed before COMMIT');
      },
      { timeout: 10_000 },
    )
    .catch(() => 'rolled back');
});

describe('isolation between requests', () => {
  test('a read outside a transaction sees only committed balances', async ({ harness: h, tenant, failingSettlement }) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const input = seedExample(tenant.creditorId, theCase.id, { amount: '100.00', bankTransactionDate: '2025-07-04', creditorPaymentReference: 'ISO-1' });
    const settlement = failingSettlement(theCase.id, input, 300);
    await sleep(50);
    const seen = await h.db.case.findUniqueOrThrow({ where: { id: theCase.id } });
    expect(seen.remainingCapital).toBe(50_000n);
    expect(await settlement).toBe('rolled back');
  });

  test("the typed reads of a list (its page and its cases' projections) wait for another request's open transaction and see only what was committed", async ({
    harness: h,
    tenant,
    failingSettlement,
  }) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const input = seedExample(tenant.creditorId, theCase.id, { amount: '100.00', bankTransactionDate: '2025-07-04', creditorPaymentReference: 'ISO-3' });
    const settlement = failingSettlement(theCase.id, input, 300);
    await sleep(50);
    const seen = await h.graphql(
      '{ payments(first: 10) { edges { node { id caseInvoiceNumber } } } cases(first: 10) { edges { node { id remainingCapital } } } }',
      {},
      { apiKey: tenant.apiKey },
    );
    const { data } = seen.body as { data: { payments: { edges: unknown[] }; cases: { edges: Array<{ node: { id: string; remainingCapital: string } }> } } };
    expect(data.payments.edges).toEqual([]);
    expect(data.cases.edges.find((e) => e.node.id === theCase.id)?.node.remainingCapital).toBe('500.00');
    expect(await settlement).toBe('rolled back');
  });

  test("a retry arriving during the first send's unfinished settlement is never acknowledged with a payment that then rolls back", async ({
    harness: h,
    tenant,
    failingSettlement,
  }) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const input = seedExample(tenant.creditorId, theCase.id, {
      amount: '100.00',
      bankTransactionDate: '2025-07-04',
      clientRegistrationDate: '2025-07-05',
      creditorPaymentReference: 'ISO-2',
    });
    const settlement = failingSettlement(theCase.id, input, 300);
    await sleep(50);
    const retry = await registerPayment(h.db, tenant.accountId, input);
    expect(await settlement).toBe('rolled back');
    expect(retry.ok).toBe(true);
    if (!retry.ok) return;
    // Whatever the retry was told, that payment exists, once.
    expect(await h.db.payment.findUnique({ where: { id: retry.payment.id } })).not.toBeNull();
    expect(await h.db.payment.count({ where: { creditorPaymentReference: 'ISO-2' } })).toBe(1);
    expect((await h.db.case.findUniqueOrThrow({ where: { id: theCase.id } })).remainingCapital).toBe(40_000n);
  });
});
