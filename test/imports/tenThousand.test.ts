import { runImport } from '../../src/domain/imports/apply.ts';
import { uploadFileImport } from '../../src/domain/imports/reports.ts';
import { claimReport } from '../../src/domain/imports/worker.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const past = '2025-07-04T16:20:41Z';

describe('a 10,000-line file', () => {
  test('good lines, every kind of bad line, replays, conflicts, closed and paid cases: the exact report and balances; again: the same report', {
    timeout: 600_000,
  }, async ({ harness }) => {
    const tenant = await harness.createTenant('TenThousand');
    const open: Array<{ id: string; invoiceNumber: string }> = [];
    for (let i = 0; i < 100; i += 1) open.push(await tenant.openCase({ capital: '100.00' }));
    const closed = await tenant.openCase({ capital: '100.00' });
    await harness.db.case.update({ where: { id: closed.id }, data: { state: 'CLOSED' } });
    const paid = await tenant.openCase({ capital: '100.00' });
    await harness.db.case.update({ where: { id: paid.id }, data: { state: 'PAID', remainingCapital: 0n } });
    const cr = tenant.creditorId;
    // Good lines: 1.00 each, 70 per open case, by case id and by invoice number in turn.
    const good = (i: number) => {
      const c = open[i % 100]!;
      return i % 2 === 0 ? `${cr},${c.id},,SEK,1.00,${past},G${i}` : `${cr},,${c.invoiceNumber},SEK,1.00,${past},G${i}`;
    };
    const bad = [
      (i: number) => `${cr},${open[0]!.id},,SEK,-1,${past},B${i}`,
      (i: number) => `ffffffffffffffffffffffff,${open[0]!.id},,SEK,1,${past},B${i}`,
      (i: number) => `${cr},,NO-SUCH-INVOICE,SEK,1,${past},B${i}`,
      (i: number) => `${cr},${open[0]!.id},,SEK,1,04/07/2025,B${i}`,
      (_i: number) => `${cr},${open[0]!.id},,SEK,1`,
      (i: number) => `${cr},${open[0]!.id},,EUR,1,${past},B${i}`,
      (i: number) => `${cr},${open[0]!.id},,SEK,1.005,${past},B${i}`,
      (i: number) => `${cr},${open[0]!.id},,SEK,1,2999-01-01T00:00:00Z,B${i}`,
      (i: number) => `${cr},${open[0]!.id},,SEK,,${past},B${i}`,
      (i: number) => `${cr},${open[0]!.id},${open[0]!.invoiceNumber},SEK,1,${past},B${i}`,
    ];
    const lines = ['creditor,case,invoice_number,currency,amount,bank_transaction_date,creditor_payment_reference'];
    for (let i = 0; i < 7000; i += 1) lines.push(good(i));
    for (let i = 0; i < 500; i += 1) {
      lines.push(good(i)); // replay
      lines.push(good(500 + i).replace(',1.00,', ',2.00,')); // conflict: the reference with other content
      lines.push(`${cr},${closed.id},,SEK,3.00,${past},C${i}`);
      lines.push(`${cr},,${paid.invoiceNumber},SEK,4.00,${past},P${i}`);
      lines.push(bad[i % bad.length]!(i));
      lines.push(good(1000 + i)); // replay
    }
    const file = Buffer.from(`${lines.join('\n')}\n`);
    expect(lines.length - 1).toBe(10_000);

    const upload = await uploadFileImport(harness.db, tenant.accountId, { fileName: 'ten-thousand.csv', content: file });
    if (!upload.ok) throw new Error('refused');
    const claimed = await claimReport(harness.db, 'w1', 60_000);
    expect(claimed?.id).toBe(upload.report.id);
    const report = await runImport(harness.db, claimed!, { owner: 'w1', leaseMs: 60_000 });
    expect(report).toMatchObject({
      status: 'completed',
      linesTotal: 10_000,
      linesDone: 10_000,
      linesStored: 8_000,
      linesReplayed: 1_000,
      linesRejected: 1_000,
      settledTotal: 700_000n,
      failureReason: null,
    });
    // Each kind of bad line is rejected 50 times, under its column and code; the conflicts 500 times.
    const byKind = await harness.db.rejectedLine.groupBy({ by: ['field', 'code'], where: { reportId: report.id }, _count: { _all: true } });
    const kinds = Object.fromEntries(byKind.map((k) => [`${k.field} ${k.code}`, k._count._all]));
    expect(kinds).toEqual({
      'creditor_payment_reference CONFLICT': 500,
      'amount INVALID': 100, // negative; three decimals
      'creditor NOT_FOUND': 50,
      'invoice_number NOT_FOUND': 50,
      'bank_transaction_date INVALID': 100, // not a date; in the future
      '_line INVALID': 50,
      'currency UNSUPPORTED': 50,
      'amount REQUIRED': 50,
      'invoice_number INVALID': 50, // both case and invoice_number
    });
    const cases = await harness.db.case.findMany({ where: { accountId: tenant.accountId } });
    for (const c of cases) {
      if (c.id === closed.id) expect([c.state, c.remainingCapital]).toEqual(['CLOSED', 10_000n]);
      else if (c.id === paid.id) expect([c.state, c.remainingCapital]).toEqual(['PAID', 0n]);
      else expect([c.state, c.remainingCapital]).toEqual(['OPEN', 3_000n]);
    }
    const statuses = await harness.db.payment.groupBy({ by: ['status'], where: { fileImportReportId: report.id }, _count: { _all: true } });
    expect(Object.fromEntries(statuses.map((s) => [s.status, s._count._all]))).toEqual({ completed: 7_000, error: 500, warning: 500 });

    const again = await uploadFileImport(harness.db, tenant.accountId, { fileName: 'again.csv', content: file });
    expect(again).toMatchObject({ ok: true, existing: true, report: { id: report.id, linesStored: 8_000 } });
    expect(await claimReport(harness.db, 'w2', 60_000)).toBeNull();
    expect(await harness.db.payment.count({ where: { accountId: tenant.accountId } })).toBe(8_000);
  });
});
