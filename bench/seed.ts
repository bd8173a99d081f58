/**
 * Bulk seed for the benchmark: one account with an API key, a few creditors, 10,000 cases
 * and 100,000 payments, written with the raw driver in big transactions (seconds, not the
 * minutes that registering 100,000 payments through the domain would take).
 *
 * Rows are stored exactly as Prisma stores them (checked after seeding by reading them back
 * through Prisma): SQLite dates as ISO 8601 text with "+00:00", Postgres dates as UTC
 * TIMESTAMP(3), money as integer öre.
 */
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createApiKey } from '../src/auth/apiKeys.ts';
import { connectDb } from '../src/db/client.ts';
import { databaseKindOf, sqlitePath } from '../src/db/url.ts';
import { createAccount } from '../src/domain/accounts.ts';
import { createCreditor } from '../src/domain/creditors.ts';
import { CASE_COLUMNS, type CaseColumn, PAYMENT_COLUMNS, type PaymentColumn, valuesOf } from './columns.ts';

export interface Seeded {
  accountId: string;
  apiKey: string;
  creditorIds: string[];
  /** Every case, in seed order; the caseIds[i] belongs to creditorIds[i % creditors]. */
  cases: Array<{ id: string; creditorId: string }>;
  payments: number;
  seconds: number;
}

export const SEED = { creditors: 5, cases: 10_000, payments: 100_000 } as const;

/** Ids in the service's format (24 hex); the counter keeps them unique and cheap. */
function idMaker(prefix: string) {
  const random = randomBytes(4).toString('hex');
  let n = 0;
  return () => `${prefix}${random}${(n++).toString(16).padStart(8, '0')}`.slice(0, 24).padEnd(24, '0');
}

// 2025-01-01T00:00:00Z: payments are one second apart after it, so the newest page points
// at 100 different cases (payment k belongs to case k % 10,000).
const T0 = Date.UTC(2025, 0, 1);

export async function seed(databaseUrl: string): Promise<Seeded> {
  const started = performance.now();
  // The account, its key and its creditors go through the service's own code (the key's hash format).
  const db = await connectDb(databaseUrl);
  const account = await createAccount(db, 'Bench AB');
  const { key } = await createApiKey(db, account.id);
  const creditorIds: string[] = [];
  for (let i = 0; i < SEED.creditors; i++) creditorIds.push((await createCreditor(db, account.id, `Bench Creditor ${i} AB`)).id);
  await db.$disconnect();

  const caseId = idMaker('0c');
  const paymentId = idMaker('0f');
  const cases = Array.from({ length: SEED.cases }, (_, i) => ({ id: caseId(), creditorId: creditorIds[i % SEED.creditors]! }));

  const caseRows = cases.map((c, i) =>
    valuesOf<CaseColumn>(CASE_COLUMNS, {
      id: c.id,
      accountId: account.id,
      creditorId: c.creditorId,
      invoiceNumber: `B-${i}`,
      referenceNumber: `${7_000_000 + i}`,
      currency: 'SEK',
      state: 'OPEN',
      remainingCosts: 10_000n,
      remainingInterest: 5_000n,
      remainingCapital: 1_000_000_000n,
      version: 0,
      createdAt: new Date(T0 - (SEED.cases - i) * 1000),
      updatedAt: new Date(T0 - (SEED.cases - i) * 1000),
    }),
  );
  function paymentRow(k: number) {
    const c = cases[k % SEED.cases]!;
    const at = new Date(T0 + k * 1000);
    const id = paymentId();
    return valuesOf<PaymentColumn>(PAYMENT_COLUMNS, {
      id,
      accountId: account.id,
      creditorId: c.creditorId,
      caseId: c.id,
      currency: 'SEK',
      amount: 10_000n,
      settledCosts: 0n,
      settledInterest: 0n,
      settledCapital: 10_000n,
      status: 'completed',
      statusReasonLocale: null,
      bankTransactionDate: at,
      clientRegistrationDate: at,
      bookingDate: at,
      creditorPaymentReference: `SEED-${k}`,
      invoiceNumber: null,
      idempotencyKey: null,
      requestHash: createHash('sha256').update(`seed ${k}`).digest('hex'),
      origin: 'creditor_system',
      fileImportReportId: null,
      etag: createHash('sha1').update(id).digest('hex'),
      createdAt: at,
      updatedAt: at,
    });
  }

  if (databaseKindOf(databaseUrl) === 'sqlite') {
    const sqlite = new Database(sqlitePath(databaseUrl));
    sqlite.pragma('journal_mode = WAL');
    // As Prisma's adapter writes them: dates as ISO 8601 text, "+00:00" for UTC.
    const value = (v: unknown) => (v instanceof Date ? v.toISOString().replace('Z', '+00:00') : v);
    const insert = (table: string, columns: readonly string[]) =>
      sqlite.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    const insertCase = insert('Case', CASE_COLUMNS);
    const insertPayment = insert('Payment', PAYMENT_COLUMNS);
    sqlite.transaction(() => {
      for (const row of caseRows) insertCase.run(row.map(value));
      for (let k = 0; k < SEED.payments; k++) insertPayment.run(paymentRow(k).map(value));
    })();
    sqlite.exec('ANALYZE');
    sqlite.close();
  } else {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    // UTC wall time: the columns are TIMESTAMP(3) without a zone, which Prisma reads as UTC.
    const value = (v: unknown) => (v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : typeof v === 'bigint' ? v.toString() : v);
    const insertMany = async (table: string, columns: readonly string[], rows: unknown[][]) => {
      const params: unknown[] = [];
      const tuples = rows.map(
        (row) =>
          `(${row
            .map((v) => {
              params.push(value(v));
              return `$${params.length}`;
            })
            .join(', ')})`,
      );
      await client.query(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, params);
    };
    await client.query('BEGIN');
    for (let i = 0; i < caseRows.length; i += 2000) await insertMany('Case', CASE_COLUMNS, caseRows.slice(i, i + 2000));
    for (let k = 0; k < SEED.payments; k += 2000) {
      await insertMany(
        'Payment',
        PAYMENT_COLUMNS,
        Array.from({ length: Math.min(2000, SEED.payments - k) }, (_, j) => paymentRow(k + j)),
      );
    }
    await client.query('COMMIT');
    await client.query('ANALYZE');
    await client.end();
  }

  // Read back through Prisma: the newest payment must be the last one seeded, with its date intact.
  const check = await connectDb(databaseUrl);
  const newest = await check.payment.findFirst({ where: { accountId: account.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  const count = await check.payment.count({ where: { accountId: account.id } });
  await check.$disconnect();
  const expected = new Date(T0 + (SEED.payments - 1) * 1000).getTime();
  if (count !== SEED.payments || newest?.createdAt.getTime() !== expected || newest.amount !== 10_000n) {
    throw new Error(`seed check failed: ${count} payments, newest ${newest?.createdAt.toISOString()} ${newest?.amount}`);
  }
  return { accountId: account.id, apiKey: key, creditorIds, cases, payments: count, seconds: (performance.now() - started) / 1000 };
}
