import { revokeApiKey } from '../../src/auth/apiKeys.ts';
import { REGISTER, seedExample } from '../graphql/operations.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';

let a: Tenant;
let b: Tenant;
let aCase: { id: string; invoiceNumber: string };
let aPaymentId: string;

test.beforeAll(async ({ harness: h }) => {
  a = await h.createTenant('Alpha');
  b = await h.createTenant('Beta');
  aCase = await a.openCase({ capital: '500.00' });
  const r = await h.graphql(REGISTER, { input: seedExample(a.creditorId, aCase.id) }, { apiKey: a.apiKey });
  aPaymentId = r.body.data.registerPayment.payment.id;
});

describe("account B with account A's ids", () => {
  test('gets null for every single-item query', async ({ harness: h }) => {
    const response = await h.graphql(
      `query($p: ID!, $c: ID!, $cr: ID!, $inv: String!) {
        payment(id: $p) { id } case(id: $c) { id } creditor(id: $cr) { id }
        caseByInvoiceNumber(creditor: $cr, invoiceNumber: $inv) { id }
      }`,
      { p: aPaymentId, c: aCase.id, cr: a.creditorId, inv: aCase.invoiceNumber },
      { apiKey: b.apiKey },
    );
    expect(response.body).toEqual({ data: { payment: null, case: null, creditor: null, caseByInvoiceNumber: null } });
  });

  test('gets empty lists, also when filtering by A ids', async ({ harness: h }) => {
    const response = await h.graphql(
      `query($c: ID!, $cr: ID!) {
        payments(filter: { case: $c }) { totalCount edges { node { id } } }
        all: payments { totalCount }
        cases(filter: { creditor: $cr }) { totalCount }
        allCases: cases { totalCount }
        creditors { totalCount edges { node { id } } }
      }`,
      { c: aCase.id, cr: a.creditorId },
      { apiKey: b.apiKey },
    );
    expect(response.body.data).toEqual({
      payments: { totalCount: 0, edges: [] },
      all: { totalCount: 0 },
      cases: { totalCount: 0 },
      allCases: { totalCount: 0 },
      creditors: { totalCount: 1, edges: [{ node: { id: b.creditorId } }] },
    });
  });

  test("cannot register a payment on A's case, by id or by invoice number, and the answer is 'not found'", async ({ harness: h }) => {
    const before = await h.counts();
    const caseBefore = await h.db.case.findUniqueOrThrow({ where: { id: aCase.id } });
    for (const input of [
      seedExample(a.creditorId, aCase.id, { creditorPaymentReference: 'B-1' }),
      seedExample(b.creditorId, aCase.id, { creditorPaymentReference: 'B-2' }),
      seedExample(a.creditorId, aCase.id, { case: undefined, invoiceNumber: aCase.invoiceNumber, creditorPaymentReference: 'B-3' }),
    ]) {
      const response = await h.graphql(REGISTER, { input }, { apiKey: b.apiKey });
      const errors = response.body.data.registerPayment.userErrors;
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e: { code: string }) => e.code === 'NOT_FOUND')).toBe(true);
      expect(JSON.stringify(errors)).not.toMatch(/forbidden|another account|permission/i);
    }
    expect(await h.counts()).toEqual(before);
    expect(await h.db.case.findUniqueOrThrow({ where: { id: aCase.id } })).toEqual(caseBefore);
  });

  test("does not replay A's payment for B, even with A's reference", async ({ harness: h }) => {
    const bCase = await b.openCase({ capital: '100.00' });
    const response = await h.graphql(REGISTER, { input: seedExample(b.creditorId, bCase.id) }, { apiKey: b.apiKey });
    const result = response.body.data.registerPayment;
    expect(result.replayed).toBe(false);
    expect(result.payment.id).not.toBe(aPaymentId);
  });
});

describe('API keys', () => {
  const QUERY = `{ creditors { totalCount } }`;
  test('answers 401 UNAUTHENTICATED without a key, with a wrong key and with a malformed key', async ({ harness: h }) => {
    const wrong = a.apiKey.slice(0, -4) + (a.apiKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const apiKey of [null, wrong, 'hello', `cpk_${'0'.repeat(24)}_${'x'.repeat(43)}`]) {
      const response = await h.graphql(QUERY, {}, { apiKey });
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.body.data ?? null).toBeNull();
    }
  });

  test('stores only a SHA-256 hash of the key', async ({ harness: h }) => {
    const stored = await h.db.apiKey.findUniqueOrThrow({ where: { id: a.apiKeyId } });
    expect(stored.secretHash).toMatch(/^[0-9a-f]{64}$/);
    // The secret is what follows "cpk_<24 hex id>_" (it may itself contain "_").
    const secret = a.apiKey.slice('cpk_'.length + 24 + 1);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  test('refuses a revoked key', async ({ harness: h }) => {
    const c = await h.createTenant('Gamma');
    expect((await h.graphql(QUERY, {}, { apiKey: c.apiKey })).status).toBe(200);
    await revokeApiKey(h.db, c.apiKeyId);
    const response = await h.graphql(QUERY, {}, { apiKey: c.apiKey });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
