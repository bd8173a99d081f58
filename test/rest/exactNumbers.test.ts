import { ExactNumber, parseExactJson, plainDecimal } from '../../src/http/jsonBody.ts';
import { REGISTER } from '../graphql/operations.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';
import { paymentBody } from '../support/rest.ts';

const test = restTest
  .override('tenantName', 'Exact numbers')
  .extend('caseId', { scope: 'file' }, async ({ tenant }) => (await tenant.openCase({ capital: '1000.00' })).id)
  /** A body with `amount` written exactly as given: JSON.stringify would round it first. */
  .extend(
    'restBody',
    ({ tenant, caseId }) =>
      (amountLiteral: string): string =>
        JSON.stringify(paymentBody(tenant.creditorId, caseId, { amount: 0 })).replace('"amount":0', `"amount":${amountLiteral}`),
  )
  .extend('graphqlBody', ({ tenant, caseId }) => (amountLiteral: string): string => {
    const input = {
      creditor: tenant.creditorId,
      case: caseId,
      currency: 'SEK',
      amount: 0,
      bankTransactionDate: '2025-07-04T16:20:41Z',
      origin: 'creditor_system',
    };
    return JSON.stringify({ query: REGISTER, variables: { input } }).replace('"amount":0', `"amount":${amountLiteral}`);
  })
  .extend(
    'post',
    ({ harness: h, tenant }) =>
      (url: string, payload: string) =>
        h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey }, payload }),
  );

// Each of these reads as a number with at most 2 decimals once a double has rounded it.
const TOO_PRECISE = ['1.0000000000000001', '0.009999999999999999999', '99.999999999999999999', '1.00000000000000001e2', '-1.0000000000000001'];

describe('an amount with more than 2 decimals is refused even where a double would round it away', () => {
  test.for(TOO_PRECISE)('REST: %s is 422 with _issues.amount, nothing stored', async (literal, { harness: h, post, restBody }) => {
    const before = await h.counts();
    const response = await post('/creditor--payments', restBody(literal));
    expect(response.statusCode).toBe(422);
    expect(Object.keys(response.json()._issues)).toEqual(['amount']);
    expect(response.json()._issues.amount).toMatch(/decimals|greater than 0/);
    expect(await h.counts()).toEqual(before);
  });

  test.for(TOO_PRECISE)('GraphQL variables: %s is a userError on amount, nothing stored', async (literal, { harness: h, post, graphqlBody }) => {
    const before = await h.counts();
    const response = await post('/graphql', graphqlBody(literal));
    expect(response.statusCode).toBe(200);
    const { payment, userErrors } = response.json().data.registerPayment;
    expect(payment).toBeNull();
    expect(userErrors).toEqual([expect.objectContaining({ field: ['input', 'amount'], code: 'INVALID' })]);
    expect(await h.counts()).toEqual(before);
  });

  test('still takes ordinary amounts, and long ones whose extra digits are zeros', async ({ harness: h, tenant, post, restBody, graphqlBody }) => {
    for (const [literal, stored] of [
      ['12.5', 12.5],
      ['100.000000000000000000', 100],
      ['1.5e1', 15],
    ] as const) {
      const response = await post('/creditor--payments', restBody(literal));
      expect(response.statusCode, response.body).toBe(201);
      const item = await h.rest.get(`/creditor--payments/${response.json()._id}`, { apiKey: tenant.apiKey });
      expect(item.body.amount).toBe(stored);
    }
    const response = await post('/graphql', graphqlBody('7.250000000000000000'));
    expect(response.json().data.registerPayment.payment.amount).toBe('7.25');
  });
});

describe('a long number is exact only where an amount is expected', () => {
  const longNumber = '12345678901234567890.5';

  test('REST: a text field sent a long number is still "not a string"', async ({ harness: h, post, restBody }) => {
    const before = await h.counts();
    const payload = restBody('10').replace('"origin":"creditor_system"', `"origin":"creditor_system","creditor_payment_reference":${longNumber}`);
    const response = await post('/creditor--payments', payload);
    expect(response.statusCode).toBe(422);
    expect(response.json()._issues).toEqual({ creditor_payment_reference: 'creditor_payment_reference must be a string' });
    expect(await h.counts()).toEqual(before);
  });

  test('GraphQL: a Decimal variable of any name is read exactly; a String variable sent a long number is refused', async ({
    harness: h,
    tenant,
    caseId,
    post,
  }) => {
    const before = await h.counts();
    const decimal = /* GraphQL */ `
      mutation ($pay: Decimal!, $creditor: ID!, $case: ID) {
        registerPayment(input: { creditor: $creditor, case: $case, currency: SEK, amount: $pay, bankTransactionDate: "2025-07-04T16:20:41Z", origin: "creditor_system" }) {
          payment { id }
          userErrors { field code }
        }
      }`;
    const sent = JSON.stringify({ query: decimal, variables: { pay: 0, creditor: tenant.creditorId, case: caseId } }).replace(
      '"pay":0',
      '"pay":2.0000000000000001',
    );
    const exact = await post('/graphql', sent);
    expect(exact.json().data.registerPayment).toEqual({ payment: null, userErrors: [{ field: ['input', 'amount'], code: 'INVALID' }] });

    const text = /* GraphQL */ `query ($ref: String) { payments(filter: { creditorPaymentReference: $ref }) { totalCount } }`;
    const refused = await post('/graphql', JSON.stringify({ query: text, variables: { ref: 0 } }).replace('"ref":0', `"ref":${longNumber}`));
    expect(refused.json().errors[0].message).toMatch(/String cannot represent a non string value/);
    expect(await h.counts()).toEqual(before);
  });

  test('refuses a body nested too deeply for the exact parser instead of rounding its numbers', async ({ post, restBody }) => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const payload = restBody('1.0000000000000001').replace('"origin"', `"padding":${deep},"origin"`);
    const response = await post('/creditor--payments', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()._error.message).toMatch(/nested too deeply/);
  });
});

describe("the exact JSON parser keeps the default parser's protections", () => {
  // Long digits send these bodies down the exact path.
  const digits = '"x": 1.0000000000000001';
  test.for([`{"__proto__": {"polluted": true}, ${digits}}`, `{"constructor": {"prototype": {"polluted": true}}, ${digits}}`, `{${digits}, "a": `])(
    'refuses %s with 400 in each face',
    async (payload, { post }) => {
      const rest = await post('/creditor--payments', payload);
      expect(rest.statusCode).toBe(400);
      expect(rest.json()._status).toBe('ERR');
      const graphql = await post('/graphql', payload);
      expect(graphql.statusCode).toBe(400);
      expect(graphql.json().errors[0].extensions).not.toHaveProperty('originalError');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  test('reads like JSON.parse except for numbers a double cannot hold', () => {
    const text = '{"a": [1, 2.5, "s", null, true, {"b": -3e2}], "big": 12345678901234567890, "fine": 0.1, "dup": 1, "dup": 2}';
    expect(parseExactJson(text)).toEqual({ a: [1, 2.5, 's', null, true, { b: -300 }], big: new ExactNumber('12345678901234567890'), fine: 0.1, dup: 2 });
    expect(plainDecimal('1.00000000000000001e2')).toBe('100.000000000000001');
    expect(plainDecimal('12e-20')).toBe('0.00000000000000000012');
    expect(plainDecimal('-5e3')).toBe('-5000');
    // A huge exponent is left as written (and is no amount); it is never expanded into megabytes.
    expect(plainDecimal('1e999999')).toBe('1e999999');
  });
});
