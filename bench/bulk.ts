/**
 * `tsx bench/bulk.ts`: a bulk insert of 1,000 payments (one JSON array on POST
 * /creditor--payments) against the same 1,000 payments sent as single POSTs, 16 in flight
 * at a time, through the whole HTTP app (app.inject: routing, auth, JSON, the domain) on a
 * fresh SQLite file and a fresh Postgres database (when the server is reachable).
 * Every answer is checked, and afterwards every payment is stored once and each case's balance
 * matches its payments. Prints one line per database; `benchBulk` returns the numbers for run.ts.
 *
 * Env: BENCH_BULK_SIZE (1,000), BENCH_DB (sqlite|postgres: only that one), TEST_POSTGRES_URL (the server).
 */
import { createApp } from '../src/app.ts';
import { createApiKey } from '../src/auth/apiKeys.ts';
import { connectDb } from '../src/db/client.ts';
import { deployMigrations } from '../src/db/migrate.ts';
import { createAccount } from '../src/domain/accounts.ts';
import { openCase } from '../src/domain/cases.ts';
import { createCreditor } from '../src/domain/creditors.ts';
import { MAX_BULK_REGISTRATIONS } from '../src/domain/vocabulary.ts';
import { createTestDatabase } from '../test/support/database.ts';

const SIZE = Number(process.env.BENCH_BULK_SIZE ?? MAX_BULK_REGISTRATIONS);
const IN_FLIGHT = 16;
const CASES = 100;

export interface BulkBench {
  database: string;
  payments: number;
  singleMs: number;
  bulkMs: number;
  /** How many times faster the bulk insert stored the same payments. */
  speedup: number;
}

/** Times SIZE single POSTs and one bulk of SIZE on a fresh, migrated database at `url`. */
export async function benchBulk(database: string, url: string): Promise<BulkBench> {
  await deployMigrations(url);
  const db = await connectDb(url);
  const app = await createApp({ db, logLevel: 'silent' });
  try {
    const account = await createAccount(db, 'Bulk bench AB');
    const { key } = await createApiKey(db, account.id);
    const creditor = await createCreditor(db, account.id, 'Bulk bench creditor AB');
    const cases: Array<{ id: string }> = [];
    for (let i = 0; i < CASES; i++)
      cases.push(await openCase(db, { creditorId: creditor.id, invoiceNumber: `BB-${i}`, referenceNumber: `BR-${i}`, capital: '1000000.00' }));
    const payments = (tag: string) =>
      Array.from({ length: SIZE }, (_, i) => ({
        creditor: creditor.id,
        case: cases[i % CASES]!.id,
        currency: 'SEK',
        amount: 1.25,
        bank_transaction_date: 'Fri, 04 Jul 2025 16:20:41 GMT',
        creditor_payment_reference: `${tag}-${i}`,
        origin: 'creditor_system',
      }));
    const post = async (body: unknown, expected: number) => {
      const response = await app.inject({
        method: 'POST',
        url: '/creditor--payments',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        payload: JSON.stringify(body),
      });
      if (response.statusCode !== expected) throw new Error(`expected ${expected}, got ${response.statusCode}: ${response.body.slice(0, 300)}`);
    };
    // Warm-up: both paths once, so neither pays for first-use compilation.
    await post(payments('warm-single')[0], 201);
    await post(payments('warm-bulk').slice(0, 10), 201);

    const singles = payments('single');
    let next = 0;
    let started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < singles.length) await post(singles[next++], 201);
      }),
    );
    const singleMs = performance.now() - started;

    started = performance.now();
    await post(payments('bulk'), 201);
    const bulkMs = performance.now() - started;

    // Every payment stored once, and the money adds up on every case.
    const stored = await db.payment.count({ where: { accountId: account.id } });
    if (stored !== 2 * SIZE + 11) throw new Error(`${2 * SIZE + 11} payments sent, ${stored} stored`);
    for (const c of await db.case.findMany({ where: { accountId: account.id }, include: { payments: true } })) {
      const settled = c.payments.reduce((sum, p) => sum + p.settledCapital, 0n);
      if (c.remainingCapital + settled !== 100_000_000n) throw new Error(`case ${c.id}: balance does not match its payments`);
    }
    return { database, payments: SIZE, singleMs, bulkMs, speedup: singleMs / bulkMs };
  } finally {
    await app.close();
    await db.$disconnect();
  }
}

async function main() {
  const only = process.env.BENCH_DB;
  for (const kind of ['sqlite', 'postgres'] as const) {
    if (only && only !== kind) continue;
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    try {
      database = await createTestDatabase(kind);
    } catch (error) {
      console.log(`${kind}: skipped (${(error as Error).message})`);
      continue;
    }
    try {
      const r = await benchBulk(kind === 'sqlite' ? 'SQLite' : 'Postgres', database.url);
      console.log(
        `${r.database}: ${r.payments} single POSTs (${IN_FLIGHT} in flight) ${Math.round(r.singleMs)} ms; one bulk of ${r.payments} ${Math.round(r.bulkMs)} ms; bulk ${r.speedup.toFixed(1)}x faster`,
      );
    } finally {
      await database.drop();
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
