import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { connectDb } from '../src/db/client.ts';
import { deployMigrations } from '../src/db/migrate.ts';
import { createAccount } from '../src/domain/accounts.ts';
import { openCase } from '../src/domain/cases.ts';
import { createCreditor } from '../src/domain/creditors.ts';
import { runImport } from '../src/domain/imports/apply.ts';
import { uploadFileImport } from '../src/domain/imports/reports.ts';
import { claimReport } from '../src/domain/imports/worker.ts';
import { createTestDatabase } from '../test/support/database.ts';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const lines = Number(process.argv[3] ?? 20_000);
const CASES = 1000;

async function main() {
  // A database of its own, dropped at the end (the tests' helper).
  const { url, drop } = await createTestDatabase(kind);
  try {
    await deployMigrations(url);
    const statements: string[] = [];
    let counting = false;
    const db = await connectDb(url, { onQuery: (q) => counting && statements.push(q) });
    const spent = new Map<string, number>();
    (db as unknown as { $on(e: 'query', cb: (e: { query: string; duration: number }) => void): void }).$on('query', (e) => {
      if (!counting) return;
      const k = e.query.replace(/`main`\./g, '').slice(0, 40);
      spent.set(k, (spent.get(k) ?? 0) + e.duration);
    });
    const account = await createAccount(db, 'Bench');
    const creditor = await createCreditor(db, account.id, 'Bench Creditor AB');
    const cases: string[] = [];
    for (let i = 0; i < CASES; i += 1) {
      cases.push((await openCase(db, { creditorId: creditor.id, invoiceNumber: `INV-${i}`, referenceNumber: `REF-${i}`, capital: '1000000.00' })).id);
    }
    const rows = ['creditor,case,currency,amount,bank_transaction_date,creditor_payment_reference'];
    for (let i = 0; i < lines; i += 1) rows.push(`${creditor.id},${cases[i % CASES]},SEK,0.01,2025-07-04T16:20:41Z,I-${i}`);
    const upload = await uploadFileImport(db, account.id, { fileName: 'bench.csv', content: Buffer.from(`${rows.join('\n')}\n`) });
    if (!upload.ok) throw new Error('refused');
    // The event loop's longest stall while the import runs (what other clients would wait).
    let worst = 0;
    let last = performance.now();
    let ticks = 0;
    const probe = setInterval(() => {
      ticks += 1;
      const now = performance.now();
      worst = Math.max(worst, now - last - 10);
      last = now;
    }, 10);
    counting = true;
    const begun = performance.now();
    const cpu0 = process.cpuUsage();
    // IMPORT_PROFILE=<file>: a CPU profile of the import alone (bench/profile-summary.ts reads it).
    const session = process.env.IMPORT_PROFILE ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const claimed = await claimReport(db, 'bench', 600_000);
    const report = await runImport(db, claimed!, { owner: 'bench', leaseMs: 600_000 });
    const seconds = (performance.now() - begun) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (session) writeFileSync(process.env.IMPORT_PROFILE!, JSON.stringify((await session.post('Profiler.stop')).profile));
    // Below the wall time: the import waits on the database part of the time.
    console.log(`process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s in ${seconds.toFixed(2)} s`);
    clearInterval(probe);
    counting = false;
    if (process.env.SHOW_STATEMENTS) {
      const c = new Map<string, number>();
      for (const q of statements) {
        const k = q.slice(0, 90);
        c.set(k, (c.get(k) ?? 0) + 1);
      }
      console.log([...c].sort((a, b) => b[1] - a[1]).slice(0, 25));
    }
    console.log(`${statements.length} statements`);
    if (process.env.SHOW_STATEMENTS) console.log([...spent].sort((a, b) => b[1] - a[1]).slice(0, 12));
    worst = Math.max(worst, performance.now() - last - 10);
    if (report.linesStored !== lines) throw new Error(JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    console.log(
      `${kind}: ${lines} lines in ${seconds.toFixed(1)} s = ${(lines / seconds).toFixed(0)} lines/s; longest event-loop stall ${worst.toFixed(0)} ms (${ticks} ticks)`,
    );
    await db.$disconnect();
  } finally {
    await drop();
  }
}

await main();
