import { REGISTER, seedExample } from '../graphql/operations.ts';
import { describe, expect, test } from '../support/fixtures.ts';

describe('concurrent payments on one case', () => {
  test('applies 50 concurrent registrations one after another: settled amounts add up exactly to what the case had', async ({ harness: h, tenant }) => {
    // 1,234.56 owed; 50 payments of 37.11 (1,855.50 in all) overpay it.
    const theCase = await tenant.openCase({ costs: '34.56', interest: '200.00', capital: '1000.00' });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h.graphql(
          REGISTER,
          { input: seedExample(tenant.creditorId, theCase.id, { amount: '37.11', creditorPaymentReference: `C-${i}` }) },
          { apiKey: tenant.apiKey },
        ),
      ),
    );
    for (const r of responses) {
      expect(r.status).toBe(200);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.registerPayment.userErrors).toEqual([]);
    }
    const payments = await h.db.payment.findMany({ where: { caseId: theCase.id } });
    expect(payments).toHaveLength(50);
    const settled = payments.reduce((sum, p) => sum + p.settledCosts + p.settledInterest + p.settledCapital, 0n);
    expect(settled).toBe(123456n);
    expect(payments.reduce((sum, p) => sum + p.settledCosts, 0n)).toBe(3456n);
    expect(payments.reduce((sum, p) => sum + p.settledInterest, 0n)).toBe(20000n);
    // 33 payments fit whole (33 x 37.11 = 1,224.63), one takes the last 9.93, 16 find the case paid.
    expect(payments.filter((p) => p.status === 'completed')).toHaveLength(33);
    expect(payments.filter((p) => p.statusReasonLocale === 'creditor_payment.status_reason.overpayment')).toHaveLength(1);
    expect(payments.filter((p) => p.statusReasonLocale === 'creditor_payment.status_reason.case_already_paid')).toHaveLength(16);
    const after = await h.db.case.findUniqueOrThrow({ where: { id: theCase.id } });
    expect(after.state).toBe('PAID');
    expect([after.remainingCosts, after.remainingInterest, after.remainingCapital]).toEqual([0n, 0n, 0n]);
  });

  test('stores one payment when the same registration is sent 20 times at once', async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ capital: '1000.00' });
    const input = seedExample(tenant.creditorId, theCase.id, { amount: '10.00', creditorPaymentReference: 'SAME' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => h.graphql(REGISTER, { input }, { apiKey: tenant.apiKey })));
    const ids = new Set(responses.map((r) => r.body.data.registerPayment.payment.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.body.data.registerPayment.replayed === false)).toHaveLength(1);
    expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(1);
    expect((await h.db.case.findUniqueOrThrow({ where: { id: theCase.id } })).remainingCapital).toBe(99000n);
  });
});
