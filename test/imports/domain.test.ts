import { runImport } from '../../src/domain/imports/apply.ts';
import { listRejectedLines, uploadFileImport } from '../../src/domain/imports/reports.ts';
import { claimReport } from '../../src/domain/imports/worker.ts';
import { registerPayment } from '../../src/domain/payments.ts';
import { CREDITOR_SYSTEM_ORIGIN, MAX_IMPORT_FILE_BYTES } from '../../src/domain/vocabulary.ts';
import { eventBusOf, type PaymentRegisteredEvent } from '../../src/events/index.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import type { Harness } from '../support/harness.ts';
import { eventually } from '../support/live.ts';

/** Uploads a file and runs the import to its end in this process, as the worker does. */
async function importFile(harness: Harness, accountId: string, text: string | Buffer, fileName = 'payments.csv') {
  const uploaded = await uploadFileImport(harness.db, accountId, { fileName, content: Buffer.isBuffer(text) ? text : Buffer.from(text) });
  if (!uploaded.ok) throw new Error(JSON.stringify(uploaded.errors));
  const claimed = await claimReport(harness.db, 'test-worker', 30_000);
  if (claimed) await runImport(harness.db, claimed, { owner: 'test-worker', leaseMs: 30_000 });
  const report = await harness.db.fileImportReport.findUniqueOrThrow({ where: { id: uploaded.report.id } });
  const rejected = (await listRejectedLines(harness.db, report.id, { first: 100 })).nodes.map((l) => [l.lineNumber, l.field, l.code, l.message]);
  return { report, rejected, existing: uploaded.existing };
}

const past = '2025-07-04T16:20:41Z';

describe('importing a file through the registration rules', () => {
  test('semicolon file with decimal commas, BOM, quotes and CRLF: each line applied in order, rejections named by column', async ({ harness }) => {
    const tenant = await harness.createTenant('Semicolon');
    const open = await tenant.openCase({ costs: '10.00', capital: '100.00' });
    const closed = await tenant.openCase({ capital: '50.00' });
    await harness.db.case.update({ where: { id: closed.id }, data: { state: 'CLOSED' } });
    const file = [
      '\uFEFFcreditor;invoice_number;currency;amount;bank_transaction_date;creditor_payment_reference',
      `${tenant.creditorId};${open.invoiceNumber};SEK;60,50;${past};"ref;1"`,
      `${tenant.creditorId};${open.invoiceNumber};SEK;60,50;${past};"ref;1"`,
      `${tenant.creditorId};${open.invoiceNumber};SEK;70,00;${past};"ref;1"`,
      `${tenant.creditorId};${open.invoiceNumber};EUR;-3;tomorrow;ref-2`,
      `${tenant.creditorId};${closed.invoiceNumber};SEK;5;${past};ref-3`,
      `${tenant.creditorId};${open.invoiceNumber};SEK;60,00;${past};ref-4`,
      `${tenant.creditorId};only-three;SEK`,
      '',
    ].join('\r\n');
    const { report, rejected } = await importFile(harness, tenant.accountId, file);
    expect(report).toMatchObject({
      status: 'completed',
      linesTotal: 7,
      linesStored: 3,
      linesReplayed: 1,
      linesRejected: 3,
      // 60.50 of 110.00, then 49.50 of the 60.00 (overpaid), nothing on the closed case
      settledTotal: 11000n,
      failureReason: null,
    });
    expect(rejected).toEqual([
      [
        4,
        'creditor_payment_reference',
        'CONFLICT',
        expect.stringMatching(/^creditor_payment_reference was already used for payment [0-9a-f]{24} with different content$/),
      ],
      [5, 'currency', 'UNSUPPORTED', 'currency EUR is not supported; only SEK is'],
      [5, 'amount', 'INVALID', 'amount must be greater than 0'],
      [5, 'bank_transaction_date', 'INVALID', expect.stringContaining('bank_transaction_date must be a date')],
      [8, '_line', 'INVALID', 'the line has 3 fields; the header has 6'],
    ]);
    const after = await harness.db.case.findUniqueOrThrow({ where: { id: open.id } });
    expect([after.state, after.remainingCosts, after.remainingCapital]).toEqual(['PAID', 0n, 0n]);
    const payments = await harness.db.payment.findMany({ where: { fileImportReportId: report.id }, orderBy: { creditorPaymentReference: 'asc' } });
    expect(payments.map((p) => [p.creditorPaymentReference, p.amount, p.status])).toEqual([
      ['ref-3', 500n, 'error'],
      ['ref-4', 6000n, 'warning'],
      ['ref;1', 6050n, 'completed'],
    ]);
  });

  test('JSON Lines by case id; the same file again answers the first report and stores nothing more', async ({ harness }) => {
    const tenant = await harness.createTenant('Jsonl');
    const c = await tenant.openCase({ capital: '300.00' });
    const line = (ref: string, amount: unknown) =>
      JSON.stringify({ creditor: tenant.creditorId, case: c.id, currency: 'SEK', amount, bank_transaction_date: past, creditor_payment_reference: ref });
    const file = `${line('j1', 100)}\n${line('j2', '50.25')}\n[1]\n{"creditor":1,"origin":"x"}\n`;
    const first = await importFile(harness, tenant.accountId, file, 'p.jsonl');
    expect(first.report).toMatchObject({ status: 'completed', linesTotal: 4, linesStored: 2, linesRejected: 2, settledTotal: 15025n });
    expect(first.rejected).toEqual([
      [3, '_line', 'INVALID', 'the line is not a JSON object'],
      [4, '_line', 'INVALID', 'the line names unknown fields ("origin")'],
    ]);
    const again = await importFile(harness, tenant.accountId, file, 'renamed.jsonl');
    expect(again.existing).toBe(true);
    expect(again.report.id).toBe(first.report.id);
    expect(await harness.db.payment.count({ where: { caseId: c.id } })).toBe(2);
  });

  test('each stored line is announced to live subscribers after its batch commits; replays and rejected lines are not, nor to another account', async ({
    harness,
  }) => {
    const tenant = await harness.createTenant('Announced');
    const other = await harness.createTenant('Elsewhere');
    const c = await tenant.openCase({ capital: '300.00' });
    const bus = eventBusOf(harness.db);
    const heard: PaymentRegisteredEvent[] = [];
    const heardByOther: PaymentRegisteredEvent[] = [];
    const stop = [
      bus.subscribe(tenant.accountId, { next: (e) => heard.push(e), end: () => {} }),
      bus.subscribe(other.accountId, { next: (e) => heardByOther.push(e), end: () => {} }),
    ];
    await bus.listening();
    try {
      const header = 'creditor,case,currency,amount,bank_transaction_date,creditor_payment_reference';
      const line = (ref: string, amount: string) => `${tenant.creditorId},${c.id},SEK,${amount},${past},${ref}`;
      const file = [header, line('e1', '10.00'), line('e1', '10.00'), line('e2', '-1'), line('e3', '5.00'), ''].join('\n');
      const { report } = await importFile(harness, tenant.accountId, file);
      expect(report).toMatchObject({ linesStored: 2, linesReplayed: 1, linesRejected: 1 });
      const stored = await harness.db.payment.findMany({ where: { fileImportReportId: report.id }, orderBy: { amount: 'desc' } });
      expect(stored.map((p) => p.creditorPaymentReference)).toEqual(['e1', 'e3']);
      await eventually(() => heard.length >= 2);
      expect(heard).toEqual(stored.map((p) => ({ accountId: tenant.accountId, paymentId: p.id, caseId: c.id, creditorId: tenant.creditorId })));
      expect(heardByOther).toEqual([]);
    } finally {
      for (const s of stop) s();
    }
  });

  test('a file that cannot be imported fails with the reason before any line is applied', async ({ harness }) => {
    const tenant = await harness.createTenant('Broken');
    const c = await tenant.openCase({ capital: '300.00' });
    const good = `${tenant.creditorId},${c.invoiceNumber},SEK,1.00,${past}`;
    const cases: Array<[string | Buffer, RegExp]> = [
      [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]), /not UTF-8 text|NUL/],
      [`creditor,invoice,currency,amount,bank_transaction_date\n${good}\n`, /unknown columns \("invoice"\)/],
      [`creditor,invoice_number,amount,bank_transaction_date\n${good}\n`, /lacks the columns currency/],
      [`creditor,invoice_number,currency,amount,bank_transaction_date\n${good}\n${good.slice(0, 30)}"unclosed\n`, /not valid CSV/],
    ];
    for (const [file, reason] of cases) {
      const { report } = await importFile(harness, tenant.accountId, file);
      expect(report.status).toBe('failed');
      expect(report.failureReason).toMatch(reason);
      expect(report.linesStored).toBe(0);
    }
    expect(await harness.db.payment.count({ where: { caseId: c.id } })).toBe(0);
  });

  test('a line repeating a line of the batch before (looked up while that batch is still being stored) is a replay or a conflict, never stored twice', async ({
    harness,
  }) => {
    const tenant = await harness.createTenant('Across batches');
    const theCase = await tenant.openCase({ capital: '10000.00' });
    const line = (ref: number, amount = '1.00') => `${tenant.creditorId},${theCase.id},SEK,${amount},${past},r${ref}`;
    // The first batch takes 200 lines; the next one is read and looked up while the first is stored.
    const data = [...Array.from({ length: 200 }, (_, i) => line(i + 1)), line(200), line(199, '2.00'), ...Array.from({ length: 248 }, (_, i) => line(i + 203))];
    const { report, rejected } = await importFile(
      harness,
      tenant.accountId,
      `creditor,case,currency,amount,bank_transaction_date,creditor_payment_reference\n${data.join('\n')}\n`,
    );
    expect(report).toMatchObject({ status: 'completed', linesTotal: 450, linesStored: 448, linesReplayed: 1, linesRejected: 1, settledTotal: 44800n });
    expect(rejected).toEqual([
      [203, 'creditor_payment_reference', 'CONFLICT', expect.stringMatching(/already used for payment [0-9a-f]{24} with different content$/)],
    ]);
    expect(await harness.db.payment.count({ where: { caseId: theCase.id } })).toBe(448);
    expect((await harness.db.case.findUniqueOrThrow({ where: { id: theCase.id } })).remainingCapital).toBe(1_000_000n - 44_800n);
  });

  test('a file over the size limit is refused before anything is stored', async ({ harness }) => {
    const tenant = await harness.createTenant('Large');
    const result = await uploadFileImport(harness.db, tenant.accountId, { fileName: 'big.csv', content: Buffer.alloc(MAX_IMPORT_FILE_BYTES + 1, 0x41) });
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'file', code: 'INVALID' }] });
    expect(await harness.db.fileImportReport.count({ where: { accountId: tenant.accountId } })).toBe(0);
  });
});

describe("a registration that takes a line's reference while its batch is being applied", () => {
  test('the batch is planned again and the line is a replay of that registration, stored once', async ({ harness }) => {
    const tenant = await harness.createTenant('Race');
    const c = await tenant.openCase({ capital: '100.00' });
    const line = { creditor: tenant.creditorId, case: c.id, currency: 'SEK', amount: '1.00', bankTransactionDate: past, creditorPaymentReference: 'RACE-1' };
    const file = `creditor,case,currency,amount,bank_transaction_date,creditor_payment_reference\n${tenant.creditorId},${c.id},SEK,1.00,${past},RACE-1\n${tenant.creditorId},${c.id},SEK,2.00,${past},RACE-2\n`;
    const uploaded = await uploadFileImport(harness.db, tenant.accountId, { fileName: 'race.csv', content: Buffer.from(file) });
    if (!uploaded.ok) throw new Error(JSON.stringify(uploaded.errors));
    const claimed = await claimReport(harness.db, 'race-worker', 30_000);
    // The import's second transaction is its first batch, planned already: the registration lands just before it.
    let transactions = 0;
    const racing = new Proxy(harness.db, {
      get(target, property, receiver) {
        if (property !== '$transaction') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<typeof target.$transaction>) => {
          transactions += 1;
          if (transactions === 2)
            expect(await registerPayment(target, tenant.accountId, { ...line, origin: CREDITOR_SYSTEM_ORIGIN })).toMatchObject({ ok: true });
          return (target.$transaction as (...a: unknown[]) => unknown)(...args);
        };
      },
    });
    const report = await runImport(racing, claimed!, { owner: 'race-worker', leaseMs: 30_000 });
    expect(report).toMatchObject({ status: 'completed', linesStored: 1, linesReplayed: 1, linesRejected: 0, settledTotal: 200n });
    expect(await harness.db.payment.count({ where: { creditorPaymentReference: 'RACE-1' } })).toBe(1);
    expect((await harness.db.case.findUniqueOrThrow({ where: { id: c.id } })).remainingCapital).toBe(10_000n - 300n);
  });
});
