import type { Ore } from './money.ts';

export type CaseState = 'OPEN' | 'PAID' | 'CLOSED';
export type PaymentStatus = 'completed' | 'warning' | 'error';

export interface CaseBalance {
  state: CaseState;
  remainingCosts: Ore;
  remainingInterest: Ore;
  remainingCapital: Ore;
}

export interface Settlement {
  settledCosts: Ore;
  settledInterest: Ore;
  settledCapital: Ore;
  status: PaymentStatus;
  statusReasonLocale: string | null;
  /** The case once the payment is applied. */
  caseAfter: CaseBalance;
}

export const REASON = {
  overpayment: 'creditor_payment.status_reason.overpayment',
  caseAlreadyPaid: 'creditor_payment.status_reason.case_already_paid',
  caseClosed: 'creditor_payment.status_reason.case_closed',
} as const;

/**
 * Applies a payment to a case: costs first, then interest, then capital. What exceeds
 * the remaining total is an overpayment and is not applied. A paid or closed case takes
 * nothing; the payment is still recorded, with a status that says why.
 */
export function settle(before: CaseBalance, amount: Ore): Settlement {
  if (before.state !== 'OPEN') {
    const closed = before.state === 'CLOSED';
    return {
      settledCosts: 0n,
      settledInterest: 0n,
      settledCapital: 0n,
      status: closed ? 'error' : 'warning',
      statusReasonLocale: closed ? REASON.caseClosed : REASON.caseAlreadyPaid,
      caseAfter: before,
    };
  }
  let left = amount;
  const take = (remaining: Ore): Ore => {
    const taken = left < remaining ? left : remaining;
    left -= taken;
    return taken;
  };
  const settledCosts = take(before.remainingCosts);
  const settledInterest = take(before.remainingInterest);
  const settledCapital = take(before.remainingCapital);
  const caseAfter: CaseBalance = {
    remainingCosts: before.remainingCosts - settledCosts,
    remainingInterest: before.remainingInterest - settledInterest,
    remainingCapital: before.remainingCapital - settledCapital,
    state: 'OPEN',
  };
  if (caseAfter.remainingCosts + caseAfter.remainingInterest + caseAfter.remainingCapital === 0n) caseAfter.state = 'PAID';
  const overpaid = left > 0n;
  return {
    settledCosts,
    settledInterest,
    settledCapital,
    status: overpaid ? 'warning' : 'completed',
    statusReasonLocale: overpaid ? REASON.overpayment : null,
    caseAfter,
  };
}
