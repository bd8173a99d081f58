import { createApiKey, revokeApiKey } from './auth/apiKeys.ts';
import type { Db } from './db/client.ts';
import { createAccount } from './domain/accounts.ts';
import { closeCase, openCase } from './domain/cases.ts';
import { createCreditor } from './domain/creditors.ts';
import { registerPayment } from './domain/payments.ts';
import { CREDITOR_SYSTEM_ORIGIN, CURRENCY } from './domain/vocabulary.ts';

export const EXAMPLE_CREDITOR_ID = '674dbeb208847b9501cc9138';
export const EXAMPLE_CASE_ID = '68678eda88b9226bb78d7169';

export interface DemoKey {
  apiKey: string;
  keyId: string;
  /** The demo data was seeded by this start (the database was empty). */
  created: boolean;
}

/**
 * Fills an empty database with a demo account: two creditors, open, paid and closed
 * cases and a few payments, so GraphiQL has something to show. Returns a new API key for
 * the demo account on every start, since keys are stored hashed and cannot be shown again.
 * Keys other processes printed are left alone (another server may be serving GraphiQL with
 * one); each server revokes its own on shutdown (retireDemoKey).
 */
export async function ensureDemo(db: Db): Promise<DemoKey | null> {
  const existing = await db.account.findFirst({ where: { name: 'Demo account' } });
  if (existing) {
    const { id, key } = await createApiKey(db, existing.id);
    return { apiKey: key, keyId: id, created: false };
  }
  if ((await db.account.count()) > 0) return null; // a real database: leave it alone

  const account = await createAccount(db, 'Demo account');
  const { id: keyId, key } = await createApiKey(db, account.id);
  // The ids of the REST resource's documented example request, so it (and the README's mutation)
  // works against the demo as printed.
  const nordic = await createCreditor(db, account.id, 'Nordic Energy AB', EXAMPLE_CREDITOR_ID);
  const telco = await createCreditor(db, account.id, 'Telco Sverige AB');
  const cases = [
    await openCase(db, {
      id: EXAMPLE_CASE_ID,
      creditorId: nordic.id,
      invoiceNumber: 'INV-1001',
      referenceNumber: '7001001',
      costs: '180.00',
      interest: '35.50',
      capital: '2000.00',
    }),
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
  return { apiKey: key, keyId, created: true };
}

/** Revokes the demo key this process printed, so stopped servers leave no live demo keys behind. */
export async function retireDemoKey(db: Db, demo: DemoKey): Promise<void> {
  await revokeApiKey(db, demo.keyId);
}
