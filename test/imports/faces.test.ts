import { startImportWorker } from '../../src/domain/imports/worker.ts';
import { CSRF_HEADER } from '../../src/graphql/yoga.ts';
import { describe, expect, restTest as test } from '../support/fixtures.ts';
import type { RestHarness } from '../support/rest.ts';

const past = '2025-07-04T16:20:41Z';

/** A multipart/form-data body holding one part; built by hand so the exact bytes are known. */
function multipart(parts: Array<{ name: string; fileName?: string; content: string }>) {
  const boundary = '----import-test-boundary';
  const body = parts
    .map(
      (p) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.fileName ? `; filename="${p.fileName}"` : ''}\r\n${p.fileName ? 'Content-Type: text/csv\r\n' : ''}\r\n${p.content}\r\n`,
    )
    .join('');
  return { payload: `${body}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function uploadRest(harness: RestHarness, apiKey: string, content: string) {
  const { payload, contentType } = multipart([{ name: 'file', fileName: 'payments.csv', content }]);
  const response = await harness.app.inject({
    method: 'POST',
    url: '/file-import-reports',
    headers: { 'x-api-key': apiKey, 'content-type': contentType },
    payload,
  });
  return { status: response.statusCode, headers: response.headers, body: response.json(), text: response.body };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the import did not finish');
}

describe('file imports through REST and GraphQL', () => {
  test('REST: 202 with Location, the worker applies it, the report and rejected lines read back; another account sees nothing', async ({ harness }) => {
    const tenant = await harness.createTenant('RestImports');
    const other = await harness.createTenant('Other');
    const c = await tenant.openCase({ capital: '100.00' });
    const file = `creditor,invoice_number,currency,amount,bank_transaction_date,creditor_payment_reference\n${tenant.creditorId},${c.invoiceNumber},SEK,40.00,${past},r1\n${tenant.creditorId},${c.invoiceNumber},SEK,0,${past},r2\n`;
    const worker = startImportWorker(harness.db, { pollMs: 50 });
    try {
      const uploaded = await uploadRest(harness, tenant.apiKey, file);
      expect(uploaded.status).toBe(202);
      expect(uploaded.body).toMatchObject({ status: 'queued', file_name: 'payments.csv', size: Buffer.byteLength(file) });
      expect(uploaded.headers.location).toBe(`/file-import-reports/${uploaded.body._id}`);
      // Money as every REST document prints it: a decimal point, exact from the öre.
      expect(uploaded.text).toContain('"settled_total":0.0,');
      const report = await until(
        () => harness.rest.get(`/file-import-reports/${uploaded.body._id}`, { apiKey: tenant.apiKey }),
        (r) => r.body.status === 'completed',
      );
      expect(report.body).toMatchObject({ lines_total: 2, lines_stored: 1, lines_replayed: 0, lines_rejected: 1, settled_total: 40, failure_reason: null });
      expect(report.text).toContain('"settled_total":40.0,');
      const lines = await harness.rest.get(`/file-import-reports/${uploaded.body._id}/rejected-lines`, { apiKey: tenant.apiKey });
      expect(lines.body._items).toEqual([{ line_number: 3, field: 'amount', code: 'INVALID', message: 'amount must be greater than 0' }]);
      const payments = await harness.rest.get('/creditor--payments', { apiKey: tenant.apiKey });
      expect(payments.body._items.map((p: { file_import_report: string }) => p.file_import_report)).toEqual([uploaded.body._id]);
      // The same file again: the first report, nothing imported twice.
      const again = await uploadRest(harness, tenant.apiKey, file);
      expect([again.status, again.body._id, again.body.status]).toEqual([200, uploaded.body._id, 'completed']);
      // Another account: not found, and not in its list.
      expect((await harness.rest.get(`/file-import-reports/${uploaded.body._id}`, { apiKey: other.apiKey })).status).toBe(404);
      expect((await harness.rest.get(`/file-import-reports/${uploaded.body._id}/rejected-lines`, { apiKey: other.apiKey })).status).toBe(404);
      expect((await harness.rest.get('/file-import-reports', { apiKey: other.apiKey })).body._items).toEqual([]);
      expect((await harness.rest.get('/file-import-reports', { apiKey: tenant.apiKey })).body._meta.total).toBe(1);
    } finally {
      await worker.stop();
    }
  });

  test('GraphQL: importPayments over multipart needs the CSRF header; the report and Payment.fileImportReport read back', async ({ harness }) => {
    const tenant = await harness.createTenant('GraphQLImports');
    const other = await harness.createTenant('GraphQLOther');
    const c = await tenant.openCase({ capital: '100.00' });
    const file = `creditor;case;currency;amount;bank_transaction_date\n${tenant.creditorId};${c.id};SEK;12,34;${past}\n`;
    const operations = JSON.stringify({
      query: 'mutation ($file: File!) { importPayments(file: $file) { report { id status sha256 } userErrors { code } } }',
      variables: { file: null },
    });
    const { payload, contentType } = multipart([
      { name: 'operations', content: operations },
      { name: 'map', content: '{"0":["variables.file"]}' },
      { name: '0', fileName: 'sv.csv', content: file },
    ]);
    const send = (headers: Record<string, string>) =>
      harness.app.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': tenant.apiKey, 'content-type': contentType, ...headers }, payload });
    const refused = await send({});
    expect(refused.statusCode).toBe(403);
    expect(await harness.db.fileImportReport.count({ where: { accountId: tenant.accountId } })).toBe(0);
    const accepted = await send({ [CSRF_HEADER]: '1' });
    expect(accepted.statusCode).toBe(200);
    const report = accepted.json().data.importPayments.report;
    expect(report.status).toBe('QUEUED');
    const worker = startImportWorker(harness.db, { pollMs: 50 });
    try {
      const read = `query ($id: ID!) { fileImportReport(id: $id) { status linesTotal linesStored settledTotal rejectedLines(first: 10) { totalCount } } }`;
      const done = await until(
        () => harness.graphql(read, { id: report.id }, { apiKey: tenant.apiKey }),
        (r) => r.body.data?.fileImportReport?.status === 'COMPLETED',
      );
      expect(done.body.data.fileImportReport).toEqual({
        status: 'COMPLETED',
        linesTotal: 1,
        linesStored: 1,
        settledTotal: '12.34',
        rejectedLines: { totalCount: 0 },
      });
      const payments = await harness.graphql(
        '{ payments(first: 5) { edges { node { amount fileImportReport { id fileName } } } } }',
        {},
        { apiKey: tenant.apiKey },
      );
      expect(payments.body.data.payments.edges).toEqual([{ node: { amount: '12.34', fileImportReport: { id: report.id, fileName: 'sv.csv' } } }]);
      const theirs = await harness.graphql(read, { id: report.id }, { apiKey: other.apiKey });
      expect(theirs.body.data.fileImportReport).toBeNull();
      const list = await harness.graphql('{ fileImportReports(first: 5) { edges { node { id } } } }', {}, { apiKey: other.apiKey });
      expect(list.body.data.fileImportReports.edges).toEqual([]);
    } finally {
      await worker.stop();
    }
  });
});
