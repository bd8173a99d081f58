import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '../support/fixtures.ts';
import { runAdmin } from '../support/processes.ts';

const past = '2025-07-04T16:20:41Z';
const dir = mkdtempSync(path.join(tmpdir(), 'import-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run admin -- import --account <id> <file>', () => {
  test('imports the file here, prints the report, and stores its payments; the same file again prints the same report', async ({ harness }) => {
    const tenant = await harness.createTenant('Cli');
    const c = await tenant.openCase({ capital: '100.00' });
    const file = path.join(dir, 'payments.csv');
    // Semicolons and decimal commas, as a Swedish export has them; one bad line, one replay of an earlier line.
    writeFileSync(
      file,
      [
        'creditor;case;currency;amount;bank_transaction_date;creditor_payment_reference',
        `${tenant.creditorId};${c.id};SEK;10,50;${past};CLI-1`,
        `${tenant.creditorId};${c.id};SEK;-1;${past};CLI-2`,
        `${tenant.creditorId};${c.id};SEK;20;${past};CLI-3`,
        `${tenant.creditorId};${c.id};SEK;10,50;${past};CLI-1`,
      ].join('\r\n'),
    );
    const run = runAdmin(harness.url, ['import', '--account', tenant.accountId, file]);
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed).toEqual({
      reportId: expect.stringMatching(/^[0-9a-f]{24}$/),
      status: 'completed',
      fileName: 'payments.csv',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      linesTotal: 4,
      linesStored: 2,
      linesReplayed: 1,
      linesRejected: 1,
      settledTotal: '30.50',
      failureReason: null,
    });
    // The progress bar goes to stderr (when it is a terminal): stdout is the report alone.

    const payments = await harness.db.payment.findMany({ where: { accountId: tenant.accountId }, orderBy: { creditorPaymentReference: 'asc' } });
    expect(payments.map((p) => [p.creditorPaymentReference, p.amount, p.settledCapital, p.fileImportReportId])).toEqual([
      ['CLI-1', 1_050n, 1_050n, printed.reportId],
      ['CLI-3', 2_000n, 2_000n, printed.reportId],
    ]);
    expect((await harness.db.case.findUniqueOrThrow({ where: { id: c.id } })).remainingCapital).toBe(10_000n - 3_050n);
    const rejected = await harness.db.rejectedLine.findMany({ where: { reportId: printed.reportId } });
    expect(rejected.map((r) => [r.lineNumber, r.field, r.code])).toEqual([[3, 'amount', 'INVALID']]);

    const again = runAdmin(harness.url, ['import', '--account', tenant.accountId, file]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(printed);
    expect(await harness.db.payment.count({ where: { accountId: tenant.accountId } })).toBe(2);
  });

  test('an unknown account or a missing file: exit 2 with the reason, nothing stored', async ({ harness }) => {
    const tenant = await harness.createTenant('CliRefused');
    const file = path.join(dir, 'one.csv');
    writeFileSync(file, `creditor,case,currency,amount,bank_transaction_date\n${tenant.creditorId},x,SEK,1,${past}\n`);
    const before = await harness.db.fileImportReport.count();
    const unknown = runAdmin(harness.url, ['import', '--account', 'f'.repeat(24), file]);
    expect([unknown.code, unknown.stderr]).toEqual([2, `admin: no account with id "${'f'.repeat(24)}"`]);
    const missing = runAdmin(harness.url, ['import', '--account', tenant.accountId, path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^admin: cannot read .*nope\.csv: ENOENT$/);
    expect(await harness.db.fileImportReport.count()).toBe(before);
  });
});
