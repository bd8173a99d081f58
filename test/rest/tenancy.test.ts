import { createApiKey, revokeApiKey } from '../../src/auth/apiKeys.ts';
import { describe, expect, restTest as test } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';
import { paymentBody } from '../support/rest.ts';

let owner: Tenant;
let stranger: Tenant;
const paymentIds: string[] = [];
const caseIds: string[] = [];

test.beforeAll(async ({ harness: h }) => {
  owner = await h.createTenant('Owner');
  stranger = await h.createTenant('Stranger');
  for (const capital of ['100.00', '200.00', '300.00']) {
    const theCase = await owner.openCase({ capital });
    caseIds.push(theCase.id);
    for (const amount of [10, 20]) {
      const res = await h.rest.post('/creditor--payments', paymentBody(owner.creditorId, theCase.id, { amount }), { apiKey: owner.apiKey });
      expect(res.status).toBe(201);
      paymentIds.push(res.body._id);
    }
  }
  // The stranger has data of its own, so an empty answer is not just an empty database.
  const own = await stranger.openCase({ capital: '50.00' });
  await h.rest.post('/creditor--payments', paymentBody(stranger.creditorId, own.id, { amount: 5 }), { apiKey: stranger.apiKey });
});

describe("another account's key", () => {
  test('gets 404 for every payment id of this account, as for an id that does not exist', async ({ harness: h }) => {
    const unknown = await h.rest.get('/creditor--payments/ffffffffffffffffffffffff', { apiKey: stranger.apiKey });
    for (const id of paymentIds) {
      expect((await h.rest.get(`/creditor--payments/${id}`, { apiKey: owner.apiKey })).status).toBe(200);
      const res = await h.rest.get(`/creditor--payments/${id}`, { apiKey: stranger.apiKey });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ ...unknown.body, _error: { code: 404, message: `No creditor payment with id "${id}" was found.` } });
      // Knowing the ETag does not help either.
      const owned = await h.rest.get(`/creditor--payments/${id}`, { apiKey: owner.apiKey });
      expect(
        (await h.rest.get(`/creditor--payments/${id}`, { apiKey: stranger.apiKey, headers: { 'if-none-match': owned.headers.etag as string } })).status,
      ).toBe(404);
    }
  });

  test('gets 404 for every case id of this account', async ({ harness: h }) => {
    for (const id of caseIds) {
      expect((await h.rest.get(`/cases/${id}`, { apiKey: owner.apiKey })).status).toBe(200);
      const res = await h.rest.get(`/cases/${id}`, { apiKey: stranger.apiKey });
      expect(res.status).toBe(404);
      expect(res.body._error.code).toBe(404);
    }
  });

  test("sees none of this account's payments or cases in its lists, even when filtering on their ids", async ({ harness: h }) => {
    const payments = await h.rest.get('/creditor--payments?max_results=100', { apiKey: stranger.apiKey });
    expect(payments.body._meta.total).toBe(1);
    expect(payments.body._items.map((p: { _id: string }) => p._id)).not.toContain(paymentIds[0]);
    const where = encodeURIComponent(JSON.stringify({ case: caseIds[0] }));
    expect((await h.rest.get(`/creditor--payments?where=${where}`, { apiKey: stranger.apiKey })).body._meta.total).toBe(0);
    const cases = await h.rest.get('/cases', { apiKey: stranger.apiKey });
    expect(cases.body._meta.total).toBe(1);
    const byCreditor = encodeURIComponent(JSON.stringify({ creditor: owner.creditorId }));
    expect((await h.rest.get(`/cases?where=${byCreditor}`, { apiKey: stranger.apiKey })).body._meta.total).toBe(0);
  });

  test("cannot register on this account's creditor or case: not found, nothing stored", async ({ harness: h }) => {
    const before = await h.counts();
    const res = await h.rest.post('/creditor--payments', paymentBody(owner.creditorId, caseIds[0]!), { apiKey: stranger.apiKey });
    expect(res.status).toBe(422);
    expect(res.body._issues).toEqual({ creditor: `creditor ${owner.creditorId} not found` });
    expect(await h.counts()).toEqual(before);
  });
});

describe('without a valid key', () => {
  const endpoints = () => [
    ['POST', '/creditor--payments'],
    ['GET', '/creditor--payments'],
    ['GET', `/creditor--payments/${paymentIds[0]}`],
    ['GET', '/cases'],
    ['GET', `/cases/${caseIds[0]}`],
  ];

  test('answers 401 on every endpoint without a key, in the _error envelope', async ({ harness: h }) => {
    for (const [method, url] of endpoints()) {
      const res = await h.rest.request(method!, url!, method === 'POST' ? { body: paymentBody(owner.creditorId, caseIds[0]!) } : {});
      expect(res.status, `${method} ${url}`).toBe(401);
      expect(res.body).toEqual({ _status: 'ERR', _error: { code: 401, message: 'Please provide a valid API key in the x-api-key header.' } });
      expect(res.headers['www-authenticate']).toBeDefined();
    }
  });

  test('answers 401 to a malformed, unknown or revoked key, and stores nothing', async ({ harness: h }) => {
    const revoked = await createApiKey(h.db, owner.accountId);
    await revokeApiKey(h.db, revoked.id);
    const wrongSecret = owner.apiKey.slice(0, -4) + (owner.apiKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const before = await h.counts();
    for (const apiKey of ['nonsense', wrongSecret, revoked.key]) {
      for (const [method, url] of endpoints()) {
        const res = await h.rest.request(method!, url!, { apiKey, ...(method === 'POST' ? { body: paymentBody(owner.creditorId, caseIds[0]!) } : {}) });
        expect(res.status, `${method} ${url} with ${apiKey.slice(0, 12)}`).toBe(401);
      }
    }
    expect(await h.counts()).toEqual(before);
  });

  test('answers 401 before reading the body', async ({ harness: h }) => {
    const res = await h.rest.request('POST', '/creditor--payments', { body: '{not json' });
    expect(res.status).toBe(401);
  });

  test('serves the OpenAPI document without a key', async ({ harness: h }) => {
    const res = await h.rest.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
  });
});
