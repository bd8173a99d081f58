import { describe, expect, test } from '../support/fixtures.ts';
import { startServer } from '../support/processes.ts';

const past = '2025-07-04T16:20:41Z';
const LINES = 40_000;
const CASES = 200;
/**
 * The longest any request may wait while the import runs. An import gives the event loop a turn
 * after every batch, sized to about 0.2 s; without those turns (SQLite runs its statements
 * synchronously) a request waited for the whole import, many seconds for this file.
 */
const BOUND_MS = 1_500;

describe('a large import shares its server process', () => {
  test('while 40,000 lines are imported, /health and a GraphQL query keep answering within 1.5 s', { timeout: 240_000 }, async ({ harness }) => {
    const tenant = await harness.createTenant('Fairness');
    const cases: string[] = [];
    for (let i = 0; i < CASES; i += 1) cases.push((await tenant.openCase({ capital: '100000.00' })).id);
    const rows = ['creditor,case,currency,amount,bank_transaction_date,creditor_payment_reference'];
    for (let i = 0; i < LINES; i += 1) rows.push(`${tenant.creditorId},${cases[i % CASES]},SEK,0.01,${past},F-${i}`);

    const server = await startServer({ DATABASE_URL: harness.url });
    try {
      // Uploaded as a client's fetch does it: FormData with the file as a Blob.
      const form = new FormData();
      form.append('file', new Blob([`${rows.join('\n')}\n`], { type: 'text/csv' }), 'large.csv');
      const uploaded = await fetch(`${server.url}/file-import-reports`, { method: 'POST', headers: { 'x-api-key': tenant.apiKey }, body: form });
      expect(uploaded.status).toBe(202);
      const { _id: id } = (await uploaded.json()) as { _id: string };

      const timed = async <T>(request: () => Promise<T>): Promise<{ ms: number; value: T }> => {
        const begun = performance.now();
        const value = await request();
        return { ms: performance.now() - begun, value };
      };
      const waits: number[] = [];
      let duringImport = 0;
      const deadline = Date.now() + 200_000;
      for (;;) {
        const health = await timed(() => fetch(`${server.url}/health`, { signal: AbortSignal.timeout(60_000) }).then((r) => r.status));
        const query = await timed(() =>
          fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
            body: JSON.stringify({ query: `{ fileImportReport(id: "${id}") { status linesStored } }` }),
            signal: AbortSignal.timeout(60_000),
          }).then((r) => r.json() as Promise<{ data: { fileImportReport: { status: string; linesStored: number } } }>),
        );
        expect(health.value).toBe(200);
        const report = query.value.data.fileImportReport;
        waits.push(health.ms, query.ms);
        if (report.status === 'COMPLETED' || report.status === 'FAILED') {
          expect(report).toEqual({ status: 'COMPLETED', linesStored: LINES });
          break;
        }
        if (report.status === 'RUNNING') duringImport += 1;
        if (Date.now() > deadline) throw new Error(`the import did not complete: ${JSON.stringify(report)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The requests were sent while the import ran (not only before or after it).
      expect(duringImport).toBeGreaterThanOrEqual(5);
      expect(Math.max(...waits)).toBeLessThan(BOUND_MS);
    } finally {
      await server.stop();
    }
    expect(await harness.db.payment.count({ where: { accountId: tenant.accountId } })).toBe(LINES);
  });
});
