import { createApiKey } from '../src/auth/apiKeys.ts';
import { connectDb } from '../src/db/client.ts';
import { deployMigrations } from '../src/db/migrate.ts';
import { createAccount } from '../src/domain/accounts.ts';
import { openCase } from '../src/domain/cases.ts';
import { createCreditor } from '../src/domain/creditors.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { startServer } from '../test/support/processes.ts';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const lines = Number(process.argv[3] ?? 100_000);
const CASES = 1000;

// A database of its own, dropped at the end (the tests' helper).
const { url, drop } = await createTestDatabase(kind);
try {
  await deployMigrations(url);
  const db = await connectDb(url);
  const account = await createAccount(db, 'Bench');
  const { key } = await createApiKey(db, account.id);
  const creditor = await createCreditor(db, account.id, 'Bench Creditor AB');
  const cases: string[] = [];
  for (let i = 0; i < CASES; i += 1) {
    cases.push((await openCase(db, { creditorId: creditor.id, invoiceNumber: `INV-${i}`, referenceNumber: `REF-${i}`, capital: '1000000.00' })).id);
  }
  await db.$disconnect();
  const rows = ['creditor,case,currency,amount,bank_transaction_date,creditor_payment_reference'];
  for (let i = 0; i < lines; i += 1) rows.push(`${creditor.id},${cases[i % CASES]},SEK,0.01,2025-07-04T16:20:41Z,I-${i}`);
  const server = await startServer({ DATABASE_URL: url });
  try {
    const begun = performance.now();
    const form = new FormData();
    form.append('file', new Blob([`${rows.join('\n')}\n`]), 'bench.csv');
    const uploaded = await fetch(`${server.url}/file-import-reports`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
    const { _id: id } = (await uploaded.json()) as { _id: string };
    if (uploaded.status !== 202) throw new Error(`upload answered ${uploaded.status}`);
    let worst = 0;
    for (;;) {
      const health = performance.now();
      await fetch(`${server.url}/health`);
      worst = Math.max(worst, performance.now() - health);
      const report = (await (await fetch(`${server.url}/file-import-reports/${id}`, { headers: { 'x-api-key': key } })).json()) as {
        status: string;
        lines_stored: number;
      };
      if (report.status === 'completed' || report.status === 'failed') {
        if (report.lines_stored !== lines) throw new Error(JSON.stringify(report));
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - begun) / 1000;
    console.log(
      `${kind}: ${lines} lines through a server in ${seconds.toFixed(1)} s = ${(lines / seconds).toFixed(0)} lines/s; slowest /health ${worst.toFixed(0)} ms`,
    );
    // Single registrations on the same server right after, 16 at a time for 10 s: the bench's comparison.
    let registered = 0;
    const until = performance.now() + 10_000;
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        for (let i = 0; performance.now() < until; i += 1) {
          const body = {
            creditor: creditor.id,
            case: cases[(worker * 61 + i) % CASES],
            currency: 'SEK',
            amount: 0.01,
            bank_transaction_date: '2025-07-04T16:20:41Z',
            creditor_payment_reference: `S-${worker}-${i}`,
            origin: 'creditor_system',
          };
          const answer = await fetch(`${server.url}/creditor--payments`, {
            method: 'POST',
            headers: { 'x-api-key': key, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          await answer.arrayBuffer();
          if (answer.status !== 201) throw new Error(`registration answered ${answer.status}`);
          registered += 1;
        }
      }),
    );
    const single = registered / 10;
    console.log(`${kind}: single registerPayment ${single.toFixed(0)} req/s; the import is ${(lines / seconds / single).toFixed(1)} x`);
  } finally {
    await server.stop();
  }
} finally {
  await drop();
}
