import { vi } from 'vitest';
import { describe, expect, restTest } from '../support/fixtures.ts';
import { paymentBody } from '../support/rest.ts';

/**
 * Each limit is written once, in src/domain/vocabulary.ts. Changed there (and only there), every
 * face follows: the GraphQL schema's descriptions and validation, /openapi.json, and REST's
 * validation and paging.
 */
vi.mock('../../src/domain/vocabulary.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/domain/vocabulary.ts')>()),
  MAX_PAYMENT: 50_000n, // 500.00 instead of 1,000,000,000.00
  MAX_REFERENCE_LENGTH: 10,
  DEFAULT_PAGE_SIZE: 2,
  MAX_PAGE_SIZE: 3,
}));

let caseId: string;

const test = restTest.extend('graphqlInput', ({ tenant }) => (overrides: Record<string, unknown>) => ({
  creditor: tenant.creditorId,
  case: caseId,
  currency: 'SEK',
  bankTransactionDate: 'Fri, 04 Jul 2025 16:20:41 GMT',
  origin: 'creditor_system',
  ...overrides,
}));

test.beforeAll(async ({ tenant }) => {
  caseId = (await tenant.openCase({ capital: '400.00' })).id;
});

const REGISTER = `mutation Register($input: RegisterPaymentInput!) {
  registerPayment(input: $input) { payment { id } userErrors { field message code } }
}`;

describe('a limit changed in the vocabulary', () => {
  test('is what the GraphQL schema describes', async ({ harness: h, tenant }) => {
    const res = await h.graphql(
      `{
      input: __type(name: "RegisterPaymentInput") { inputFields { name description } }
      query: __type(name: "Query") { fields { name args { name description } } }
    }`,
      {},
      { apiKey: tenant.apiKey },
    );
    const inputField = (name: string) => res.body.data.input.inputFields.find((f: { name: string }) => f.name === name).description;
    expect(inputField('amount')).toBe('Greater than 0, at most 2 decimals, at most 500.00.');
    expect(inputField('creditorPaymentReference')).toMatch(/^Your reference, at most 10 characters;/);
    const first = res.body.data.query.fields.find((f: { name: string }) => f.name === 'payments').args.find((a: { name: string }) => a.name === 'first');
    expect(first.description).toBe('Page size: 2 when not given, at most 3.');
  });

  test('is what /openapi.json documents', async ({ harness: h }) => {
    const document = (await h.rest.get('/openapi.json')).body;
    const registration = document.components.schemas.PaymentRegistration.properties;
    expect(registration.amount.maximum).toBe(500);
    expect(registration.creditor_payment_reference.maxLength).toBe(10);
    expect(document.components.schemas.Meta.properties.max_results.maximum).toBe(3);
    const maxResults = document.paths['/cases'].get.parameters.find((p: { name: string }) => p.name === 'max_results');
    expect(maxResults).toMatchObject({ schema: { default: '2' }, description: expect.stringContaining('is the default 2; more than 3 is taken as 3.') });
  });

  test('is what REST validates and pages by', async ({ harness: h, tenant }) => {
    const key = { apiKey: tenant.apiKey };
    const tooMuch = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, caseId, { amount: 500.01 }), key);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body._issues).toEqual({ amount: 'amount must be at most 500.00' });
    const longReference = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, caseId, { creditor_payment_reference: 'R'.repeat(11) }), key);
    expect(longReference.body._issues).toEqual({ creditor_payment_reference: 'creditor_payment_reference must be at most 10 characters' });
    for (const amount of [500, 499.99, 1, 2]) {
      expect((await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, caseId, { amount }), key)).status).toBe(201);
    }
    expect((await h.rest.get('/creditor--payments', key)).body._meta).toMatchObject({ max_results: 2, total: 4 });
    expect((await h.rest.get('/creditor--payments?max_results=100', key)).body._items).toHaveLength(3);
  });

  test('is what GraphQL validates and pages by', async ({ harness: h, tenant, graphqlInput }) => {
    const key = { apiKey: tenant.apiKey };
    const tooMuch = await h.graphql(REGISTER, { input: graphqlInput({ amount: '500.01' }) }, key);
    expect(tooMuch.body.data.registerPayment).toEqual({
      payment: null,
      userErrors: [{ field: ['input', 'amount'], message: 'amount must be at most 500.00', code: 'INVALID' }],
    });
    const longReference = await h.graphql(REGISTER, { input: graphqlInput({ amount: '1.00', creditorPaymentReference: 'R'.repeat(11) }) }, key);
    expect(longReference.body.data.registerPayment.userErrors).toEqual([
      { field: ['input', 'creditorPaymentReference'], message: 'creditorPaymentReference must be at most 10 characters', code: 'INVALID' },
    ]);
    const atTheLimit = await h.graphql(REGISTER, { input: graphqlInput({ amount: '500.00' }) }, key);
    expect(atTheLimit.body.data.registerPayment.userErrors).toEqual([]);

    const page = await h.graphql('{ payments { edges { cursor } } }', {}, key);
    expect(page.body.data.payments.edges).toHaveLength(2);
    const overLimit = await h.graphql('{ payments(first: 4) { edges { cursor } } }', {}, key);
    expect(overLimit.body.errors?.[0]?.message).toMatch(/first must be an integer from 0 to 3/);
  });
});
