import type { Ore } from './money.ts';
import { CASE_STATE, type CaseState, PAYMENT_STATUS, type PaymentStatus, STATUS_REASON, type StatusReason } from './vocabulary.ts';

/** The reasons by their short names (STATUS_REASON of the vocabulary). */
export const REASON = STATUS_REASON;

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
  statusReasonLocale: StatusReason | null;
  /** The case once the payment is applied. */
  caseAfter: CaseBalance;
}

/**
 * Applies a payment to a case: costs first, then interest, then capital. What exceeds
 * the remaining total is an overpayment and is not applied. A paid or closed case takes
 * nothing; the payment is still recorded, with a status that says why.
 */
export function settle(before: CaseBalance, amount: Ore): Settlement {
  if (before.state !== CASE_STATE.OPEN) {
    const closed = before.state === CASE_STATE.CLOSED;
    return {
      settledCosts: 0n,
      settledInterest: 0n,
      settledCapital: 0n,
      status: closed ? PAYMENT_STATUS.error : PAYMENT_STATUS.warning,
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
    state: CASE_STATE.OPEN,
  };
  if (caseAfter.remainingCosts + caseAfter.remainingInterest + caseAfter.remainingCapital === 0n) caseAfter.state = CASE_STATE.PAID;
  const overpaid = left > 0n;
  return {
    settledCosts,
    settledInterest,
    settledCapital,
    status: overpaid ? PAYMENT_STATUS.warning : PAYMENT_STATUS.completed,
    statusReasonLocale: overpaid ? REASON.overpayment : null,
    caseAfter,
  };
}
