import { describe, expect, it } from 'vitest';
import { type CaseBalance, REASON, settle } from '../../src/domain/settlement.ts';

const open = (costs: bigint, interest: bigint, capital: bigint): CaseBalance => ({
  state: 'OPEN',
  remainingCosts: costs,
  remainingInterest: interest,
  remainingCapital: capital,
});

describe('settle', () => {
  it('pays costs first, then interest, then capital', () => {
    const s = settle(open(18000n, 3550n, 200000n), 20000n);
    expect([s.settledCosts, s.settledInterest, s.settledCapital]).toEqual([18000n, 2000n, 0n]);
    expect(s).toMatchObject({ status: 'completed', statusReasonLocale: null });
    expect(s.caseAfter).toEqual(open(0n, 1550n, 200000n));
  });

  it('marks the case PAID when the total reaches zero', () => {
    expect(settle(open(0n, 0n, 30000n), 30000n).caseAfter.state).toBe('PAID');
  });

  it('settles only the remaining total on an overpayment', () => {
    const s = settle(open(6000n, 0n, 10000n), 25000n);
    expect([s.settledCosts, s.settledInterest, s.settledCapital]).toEqual([6000n, 0n, 10000n]);
    expect(s).toMatchObject({ status: 'warning', statusReasonLocale: REASON.overpayment });
    expect(s.caseAfter).toEqual({ ...open(0n, 0n, 0n), state: 'PAID' });
  });

  it('applies nothing to a PAID or CLOSED case', () => {
    const paid = settle({ ...open(0n, 0n, 0n), state: 'PAID' }, 2500n);
    expect(paid).toMatchObject({ settledCosts: 0n, settledInterest: 0n, settledCapital: 0n, status: 'warning', statusReasonLocale: REASON.caseAlreadyPaid });
    const closedCase: CaseBalance = { ...open(0n, 0n, 40000n), state: 'CLOSED' };
    const closed = settle(closedCase, 2500n);
    expect(closed).toMatchObject({ settledCapital: 0n, status: 'error', statusReasonLocale: REASON.caseClosed });
    expect(closed.caseAfter).toEqual(closedCase);
  });

  it('never settles more than the amount or the remaining total (exhaustive on small values)', () => {
    for (let c = 0n; c <= 3n; c++)
      for (let i = 0n; i <= 3n; i++)
        for (let k = 0n; k <= 3n; k++)
          for (let a = 1n; a <= 10n; a++) {
            const s = settle(open(c, i, k), a);
            const settled = s.settledCosts + s.settledInterest + s.settledCapital;
            const total = c + i + k;
            expect(settled).toBe(a < total ? a : total);
            expect(s.caseAfter.remainingCosts + s.caseAfter.remainingInterest + s.caseAfter.remainingCapital).toBe(total - settled);
            expect(s.status).toBe(a > total ? 'warning' : 'completed');
          }
  });
});
