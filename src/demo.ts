import { createApiKey } from './auth/apiKeys.ts';
import type { Db } from './db/client.ts';
import { createAccount } from './domain/accounts.ts';
import { closeCase, openCase } from './domain/cases.ts';
import { createCreditor } from './domain/creditors.ts';
import { registerPayment } from './domain/payments.ts';
import { CREDITOR_SYSTEM_ORIGIN, CURRENCY } from './domain/vocabulary.ts';

/**
 * Fills an empty database with a demo account: two creditors, open, paid and closed
 * cases and a few payments, so GraphiQL has something to show. Returns the demo's API
 * key: a new one on every start, since keys are stored hashed and cannot be shown again.
 */
export async function ensureDemo(db: Db): Promise<{ apiKey: string; created: boolean } | null> {
  const existing = await db.account.findFirst({ where: { name: 'Demo account' } });
  if (existing) {
    // Only the newest demo key works, so restarts do not pile up live keys.
    await db.apiKey.updateMany({ where: { accountId: existing.id, revokedAt: null }, data: { revokedAt: new Date() } });
    const { key } = await createApiKey(db, existing.id);
    return { apiKey: key, created: false };
  }
  if ((await db.account.count()) > 0) return null; // a real database: leave it alone

  const account = await createAccount(db, 'Demo account');
  const { key } = await createApiKey(db, account.id);
  const nordic = await createCreditor(db, account.id, 'Nordic Energy AB');
  const telco = await createCreditor(db, account.id, 'Telco Sverige AB');
  const cases = [
    await openCase(db, { creditorId: nordic.id, invoiceNumber: 'INV-1001', referenceNumber: '7001001', costs: '180.00', interest: '35.50', capital: '2000.00' }),
    await openCase(db, { creditorId: nordic.id, invoiceNumber: 'INV-1002', referenceNumber: '7001002', capital: '300.00' }),
    await openCase(db, { creditorId: nordic.id, invoiceNumber: 'INV-1003', referenceNumber: '7001003', costs: '60.00', capital: '100.00' }),
    await openCase(db, { creditorId: telco.id, invoiceNumber: 'T-2001', referenceNumber: '8002001', costs: '60.00', interest: '12.40', capital: '899.00' }),
    await openCase(db, { creditorId: telco.id, invoiceNumber: 'T-2002', referenceNumber: '8002002', capital: '400.00' }),
  ];
  await closeCase(db, cases[4]!.id);
  const pay = (creditor: string, caseId: string, amount: string, ref: string) =>
    registerPayment(db, account.id, {
      creditor,
      case: caseId,
      currency: CURRENCY.SEK,
      amount,
      bankTransactionDate: 'Fri, 04 Jul 2025 16:20:41 GMT',
      creditorPaymentReference: ref,
      origin: CREDITOR_SYSTEM_ORIGIN,
    });
  await pay(nordic.id, cases[0]!.id, '200.00', 'DEMO-001'); // completed: costs, then interest
  await pay(nordic.id, cases[1]!.id, '300.00', 'DEMO-002'); // completed: the case is PAID
  await pay(nordic.id, cases[2]!.id, '250.00', 'DEMO-003'); // overpayment
  await pay(telco.id, cases[4]!.id, '25.00', 'DEMO-004'); // closed case
  return { apiKey: key, created: true };
}
