import { uploadFileImport } from '../../src/domain/imports/reports.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { type ServerProcess, startServer } from '../support/processes.ts';

const past = '2025-07-04T16:20:41Z';
// Enough lines that the kill lands mid-import on a fast machine (batches grow to 1,000 lines).
const LINES = 20_000;

// Lines without a reference: were a batch applied twice, nothing would refuse its second payments.
describe('kill -9 in the middle of an import', () => {
  test('then a restart: the import finishes and every line is applied exactly once', { timeout: 150_000 }, async ({ harness }) => {
    const tenant = await harness.createTenant('Crash');
    const c = await tenant.openCase({ capital: '100000.00' });
    const lines = ['creditor,case,currency,amount,bank_transaction_date'];
    for (let i = 0; i < LINES; i += 1) lines.push(`${tenant.creditorId},${c.id},SEK,0.01,${past}`);
    const uploaded = await uploadFileImport(harness.db, tenant.accountId, { fileName: 'crash.csv', content: Buffer.from(`${lines.join('\n')}\n`) });
    if (!uploaded.ok) throw new Error(JSON.stringify(uploaded.errors));
    const id = uploaded.report.id;
    const report = () => harness.db.fileImportReport.findUniqueOrThrow({ where: { id } });
    const until = async (done: (r: Awaited<ReturnType<typeof report>>) => boolean, what: string) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const r = await report();
        if (done(r)) return r;
        if (Date.now() > deadline) throw new Error(`${what} did not happen within 120 s: ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `${v}` : v))}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    // A short lease, so the restarted process may take the dead one's report soon after.
    const env = { DATABASE_URL: harness.url, IMPORT_LEASE_MS: '2000' };
    let server: ServerProcess = await startServer(env);
    const midway = await until((r) => r.linesDone > 0, 'the first batch');
    expect(midway.linesDone).toBeLessThan(LINES);
    expect(await server.stop('SIGKILL')).toBeNull();

    // What the dead process committed is whole: the payments of the batches its progress counts, no more.
    const atCrash = await report();
    expect(atCrash.status).toBe('running');
    expect(atCrash.linesDone).toBeLessThan(LINES);
    expect(await harness.db.payment.count({ where: { fileImportReportId: id } })).toBe(atCrash.linesStored);

    server = await startServer(env);
    try {
      const finished = await until((r) => r.status === 'completed', 'the import');
      expect(finished).toMatchObject({ linesTotal: LINES, linesDone: LINES, linesStored: LINES, linesReplayed: 0, linesRejected: 0 });
      expect(finished.settledTotal).toBe(BigInt(LINES));
    } finally {
      await server.stop();
    }
    expect(await harness.db.payment.count({ where: { fileImportReportId: id } })).toBe(LINES);
    expect(await harness.db.payment.count({ where: { caseId: c.id } })).toBe(LINES);
    const after = await harness.db.case.findUniqueOrThrow({ where: { id: c.id } });
    expect(after.remainingCapital).toBe(10_000_000n - BigInt(LINES));
  });
});
