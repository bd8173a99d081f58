import type { Db, Payment } from '../db/client.ts';
import { eventBusOf } from '../events/index.ts';

/**
 * The one place a stored payment is announced to live subscribers (GraphQL subscriptions), called
 * after its transaction committed, whichever face registered it. Ids only: each subscriber reads
 * the payment and its case through its own account-scoped read path.
 */
export function paymentRegistered(db: Db, payment: Payment): void {
  eventBusOf(db).publish({ accountId: payment.accountId, paymentId: payment.id, caseId: payment.caseId, creditorId: payment.creditorId });
}

/** paymentRegistered for the payments of one transaction (a bulk, a file import's batch), announced together. */
export function paymentsRegistered(db: Db, payments: readonly Payment[]): void {
  eventBusOf(db).publishAll(
    payments.map((payment) => ({ accountId: payment.accountId, paymentId: payment.id, caseId: payment.caseId, creditorId: payment.creditorId })),
  );
}
