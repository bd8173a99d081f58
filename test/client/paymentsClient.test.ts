import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { createPaymentsClient, DOCUMENTS, PaymentsRequestError } from '../../client/index.ts';
import { describe, expect } from '../support/fixtures.ts';
import { liveTest as test } from '../support/live.ts';
import { REPO_ROOT } from '../support/processes.ts';

const input = (creditor: string, caseId: string, overrides: Record<string, string> = {}) => ({
  creditor,
  case: caseId,
  currency: 'SEK' as const,
  amount: '100.00',
  bankTransactionDate: '2025-07-04T16:20:41Z',
  origin: 'creditor_system',
  ...overrides,
});

describe('the typed client', () => {
  test('every document it sends is valid against schema.graphql', () => {
    const schema = buildSchema(readFileSync(path.join(REPO_ROOT, 'schema.graphql'), 'utf8'));
    for (const document of DOCUMENTS) expect(validate(schema, parse(document.source))).toEqual([]);
  });

  test('registers a payment with an idempotency key; the same key again is a replay of the same payment', async ({ harness, tenant, baseUrl }) => {
    const client = createPaymentsClient({ url: `${baseUrl}/graphql`, apiKey: tenant.apiKey });
    const theCase = await tenant.openCase({ capital: '1000.00' });
    const first = await client.registerPayment(input(tenant.creditorId, theCase.id, { amount: '150.50' }), { idempotencyKey: 'client-key-1' });
    if (!first.ok) throw new Error(JSON.stringify(first.userErrors));
    expect(first).toMatchObject({ replayed: false, payment: { amount: '150.50', status: 'COMPLETED', case: { id: theCase.id, remainingTotal: '849.50' } } });
    const again = await client.registerPayment(input(tenant.creditorId, theCase.id, { amount: '150.50' }), { idempotencyKey: 'client-key-1' });
    expect(again).toMatchObject({ ok: true, replayed: true, payment: { id: first.payment.id } });
    expect(await harness.db.payment.count({ where: { caseId: theCase.id } })).toBe(1);
  });

  test('gives user errors typed, with field and code, and stores nothing', async ({ harness, tenant, baseUrl }) => {
    const client = createPaymentsClient({ url: `${baseUrl}/graphql`, apiKey: tenant.apiKey });
    const theCase = await tenant.openCase({ capital: '100.00' });
    const result = await client.registerPayment(input(tenant.creditorId, theCase.id, { amount: '-5' }), { idempotencyKey: 'client-key-2' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.userErrors).toEqual([{ field: ['input', 'amount'], code: 'INVALID', message: expect.stringContaining('amount') }]);
    expect(await harness.db.payment.count({ where: { caseId: theCase.id } })).toBe(0);
  });

  test('pages through every payment, newest first, as the service lists them', async ({ harness, tenant, baseUrl }) => {
    const client = createPaymentsClient({ url: `${baseUrl}/graphql`, apiKey: tenant.apiKey });
    const theCase = await tenant.openCase({ capital: '100000.00' });
    for (let i = 0; i < 23; i++) {
      const result = await client.registerPayment(
        input(tenant.creditorId, theCase.id, { amount: `${i + 1}.00`, creditorPaymentReference: `CLIENT-PAGE-${i}` }),
      );
      expect(result.ok).toBe(true);
    }
    const seen = [];
    for await (const payment of client.payments({ filter: { case: theCase.id }, pageSize: 5 })) seen.push(payment);
    expect(seen).toHaveLength(23);
    const onePage = await harness.graphql(
      'query ($case: ID!) { payments(first: 100, filter: { case: $case }) { edges { node { id } } } }',
      { case: theCase.id },
      { apiKey: tenant.apiKey },
    );
    expect(seen.map((p) => p.id)).toEqual(onePage.body.data.payments.edges.map((e: { node: { id: string } }) => e.node.id));
    expect(seen[0]!.amount).toBe('23.00');
    expect(seen.at(-1)!.amount).toBe('1.00');
  });

  test('a bad key is a PaymentsRequestError with the server code, not a user error', async ({ baseUrl }) => {
    const client = createPaymentsClient({ url: `${baseUrl}/graphql`, apiKey: 'cpk_000000000000000000000000_not-a-key-not-a-key-not-a-key-not-a-ke' });
    const failure = await client.paymentsPage().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PaymentsRequestError);
    expect(failure).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});
