import { uploadFileImport } from '../../src/domain/imports/reports.ts';
import { onPostgres } from '../support/database.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { type ServerProcess, startServer } from '../support/processes.ts';

const past = '2025-07-04T16:20:41Z';
const REPORTS = 4;
const LINES = 1_000;

// Several server processes share imports on PostgreSQL only (SQLite serves one process).
describe.skipIf(!onPostgres)('two server processes on one database', () => {
  test('working the same queued imports, never both apply one report: every line stored exactly once', { timeout: 120_000 }, async ({ harness }) => {
    const tenant = await harness.createTenant('Shared');
    const c = await tenant.openCase({ capital: '100000.00' });
    // Lines without a reference: nothing but the lease stops a second application from storing them again.
    const ids: string[] = [];
    for (let r = 0; r < REPORTS; r += 1) {
      const lines = ['creditor,case,currency,amount,bank_transaction_date'];
      for (let i = 0; i < LINES; i += 1) lines.push(`${tenant.creditorId},${c.id},SEK,0.0${(r % 9) + 1},${past}`);
      const uploaded = await uploadFileImport(harness.db, tenant.accountId, { fileName: `part-${r}.csv`, content: Buffer.from(`${lines.join('\n')}\n`) });
      if (!uploaded.ok) throw new Error(JSON.stringify(uploaded.errors));
      ids.push(uploaded.report.id);
    }
    const servers: ServerProcess[] = [];
    try {
      for (let i = 0; i < 2; i += 1) servers.push(await startServer({ DATABASE_URL: harness.url, IMPORT_LEASE_MS: '5000' }));
      const deadline = Date.now() + 100_000;
      while ((await harness.db.fileImportReport.count({ where: { id: { in: ids }, status: 'completed' } })) < REPORTS) {
        if (Date.now() > deadline) throw new Error('the imports did not complete within 100 s');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      for (const server of servers) await server.stop();
    }
    const reports = await harness.db.fileImportReport.findMany({ where: { id: { in: ids } }, orderBy: { fileName: 'asc' } });
    let settled = 0n;
    for (const [r, report] of reports.entries()) {
      const perLine = BigInt((r % 9) + 1);
      expect(report).toMatchObject({ status: 'completed', linesTotal: LINES, linesDone: LINES, linesStored: LINES, linesReplayed: 0, linesRejected: 0 });
      expect(report.settledTotal).toBe(perLine * BigInt(LINES));
      expect(await harness.db.payment.count({ where: { fileImportReportId: report.id } })).toBe(LINES);
      settled += report.settledTotal;
    }
    expect(await harness.db.payment.count({ where: { caseId: c.id } })).toBe(REPORTS * LINES);
    const after = await harness.db.case.findUniqueOrThrow({ where: { id: c.id } });
    expect(after.remainingCapital).toBe(10_000_000n - settled);
    // No report left claimed, and no process logged a failed import.
    expect(reports.every((report) => report.leaseOwner === null)).toBe(true);
    for (const server of servers) expect(server.output()).not.toContain('file import failed');
  });
});
