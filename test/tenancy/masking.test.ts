import { verifiedKeysOf } from '../../src/auth/verifiedKeys.ts';
import { onPostgres } from '../support/database.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';
import { paymentBody } from '../support/rest.ts';

/** What an answer must never carry: SQL, driver and ORM names, stack frames, file paths. */
const INTERNALS =
  /prisma|\bSELECT\b|\bINSERT\b|\bUPDATE "|\bFROM "|no such table|relation "|does not exist|sqlite|postgres|P20\d\d|\bat [\w$.<>]+ \(|\.ts:\d+|\/work\/|node_modules|stack/i;

let caseId: string;
let paymentId: string;

/** Through the whole HTTP app, as a client sees it. */
const test = restTest
  .extend('call', ({ harness: h, tenant }) => async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const response = await h.app.inject({
      method,
      url,
      headers: { 'x-api-key': tenant.apiKey, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });
    return { status: response.statusCode, text: response.body };
  })
  .extend(
    'graphql',
    ({ call }) =>
      (query: string, variables: Record<string, unknown> = {}) =>
        call('POST', '/graphql', { query, variables }),
  );

describe('an unexpected database failure reaches no client: no SQL, no stack trace, no file path', () => {
  test('masks GraphQL and REST answers when a table is gone', async ({ harness: h, tenant, call, graphql }) => {
    await h.db.$executeRawUnsafe(onPostgres ? 'DROP TABLE "Payment" CASCADE' : 'DROP TABLE "Payment"');
    const answers = [
      await graphql('{ payments { edges { node { id amount } } } }'),
      await graphql('query($id: ID!) { payment(id: $id) { id } }', { id: paymentId }),
      await graphql('query($id: ID!) { case(id: $id) { id payments { totalCount } } }', { id: caseId }),
      await graphql('mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) { payment { id } userErrors { message } } }', {
        input: { creditor: tenant.creditorId, case: caseId, currency: 'SEK', amount: '1.00', bankTransactionDate: '2025-07-04', origin: 'creditor_system' },
      }),
      await call('GET', '/creditor--payments'),
      await call('GET', `/creditor--payments/${paymentId}`),
      await call('POST', '/creditor--payments', paymentBody(tenant.creditorId, caseId, { amount: 1 })),
    ];
    for (const answer of answers) {
      expect(answer.text).not.toMatch(INTERNALS);
      if (answer.status === 500) expect(JSON.parse(answer.text)).toEqual({ _status: 'ERR', _error: { code: 500, message: 'Internal server error' } });
      else expect(JSON.parse(answer.text).errors.map((e: { message: string }) => e.message)).toEqual(['Unexpected error.']);
    }
    expect(answers.slice(4).map((a) => a.status)).toEqual([500, 500, 500]);
  });

  test('masks them when the API keys cannot be read either', async ({ harness: h, tenant, call, graphql }) => {
    // A key this process has verified is not read again while nothing changes (PostgreSQL): make it read.
    verifiedKeysOf(h.db)?.forgetAll();
    await h.db.$executeRawUnsafe(onPostgres ? 'DROP TABLE "ApiKey" CASCADE' : 'DROP TABLE "ApiKey"');
    const answers = [
      await graphql('{ creditors { totalCount } }'),
      await call('GET', '/cases'),
      await call('POST', '/creditor--payments', paymentBody(tenant.creditorId, caseId)),
    ];
    for (const answer of answers) {
      expect(answer.status).toBeGreaterThanOrEqual(500);
      expect(answer.text).not.toMatch(INTERNALS);
    }
  });
});

test.beforeAll(async ({ harness: h, tenant }) => {
  caseId = (await tenant.openCase({ capital: '100.00' })).id;
  paymentId = (await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, caseId, { amount: 5 }), { apiKey: tenant.apiKey })).body._id;
});
