import { describe, expect, restTest } from '../support/fixtures.ts';
import type { RestResponse } from '../support/rest.ts';
import { type BodyJunk, bodyJunk, createJunkFixture, expectNothingStored, type Junk, junkRequests, restBodyOf, restName, toJson } from './junk.ts';

const test = restTest
  .override('tenantName', 'Junk')
  .extend('f', { scope: 'file' }, ({ harness, tenant }) => createJunkFixture(harness, tenant))
  .extend('post', ({ harness: h, f }) => async (payload: string, contentType: string | null, headers: Record<string, string> = {}): Promise<RestResponse> => {
    if (contentType === null) {
      // The REST client always names a content type; this one sends none.
      const response = await h.app.inject({ method: 'POST', url: '/creditor--payments', headers: { 'x-api-key': f.apiKey, ...headers }, payload });
      return { status: response.statusCode, headers: response.headers, body: response.json(), text: response.body };
    }
    // Through the REST client: every answer is also checked against the OpenAPI document.
    return h.rest.request('POST', '/creditor--payments', { apiKey: f.apiKey, body: payload, headers: { 'content-type': contentType, ...headers } });
  });

/** The fields a junk registration's answer must name, and may name, by their REST names. */
function expectIssues(junk: Junk, issues: Record<string, unknown>) {
  const reported = Object.keys(issues);
  const allowed = new Set(junk.patches.flatMap((p) => p.names.map(restName)));
  const required = junk.patches.filter((p) => p.independent || junk.patches.length === 1).flatMap((p) => p.names.map(restName));
  const where = `${junk.patches.map((p) => p.what).join(' + ')}: reported ${JSON.stringify(reported)}`;
  expect(reported.length, where).toBeGreaterThan(0);
  for (const field of reported) expect(allowed.has(field), `${where}: ${field} was not spoiled`).toBe(true);
  for (const field of required) expect(reported, where).toContain(field);
  for (const message of Object.values(issues).flat()) expect(typeof message === 'string' && message.length > 0, where).toBe(true);
}

describe('POST /creditor--payments with generated junk', () => {
  test('never answers 5xx, always names the field in error, and stores nothing (1,000 generated bodies)', async ({ harness: h, f, post }) => {
    await expectNothingStored(h, junkRequests(f, 'rest', bodyJunk, 3), async (c) => {
      if (c.kind === 'fields') {
        const response = await post(toJson(restBodyOf(c.junk.registration)), 'application/json', c.junk.headers);
        expect(response.status, response.text.slice(0, 500)).toBe(422);
        expect(response.body._status).toBe('ERR');
        expectIssues(c.junk, response.body._issues);
      } else {
        const body: BodyJunk = c.request;
        const response = await post(body.payload, body.contentType);
        expect([400, 413, 415], `${body.what}: ${response.status} ${response.text.slice(0, 300)}`).toContain(response.status);
        expect(response.body._status).toBe('ERR');
        expect(response.body._error.message, body.what).toMatch(/\w{3}/);
      }
    });
  }, 120_000);

  test('refuses text the database cannot store (NUL, unpaired surrogates) with a 422 naming the field, on SQLite and Postgres alike', async ({
    harness: h,
    f,
    post,
  }) => {
    const valid = { creditor: f.creditorId, case: f.caseId, currency: 'SEK', amount: 10, bank_transaction_date: '2025-07-04', origin: 'creditor_system' };
    const counts = await h.counts();
    for (const [field, value] of [
      ['creditor_payment_reference', 'REF\u0000'],
      ['creditor_payment_reference', 'REF\uD800'],
      ['origin', 'creditor_system\u0000'],
      ['currency', 'SEK\u0000'],
    ] as const) {
      const response = await post(JSON.stringify({ ...valid, [field]: value }), 'application/json');
      expect(response.status, response.text).toBe(422);
      expect(Object.keys(response.body._issues)).toEqual([field]);
    }
    const { case: _case, ...byInvoice } = valid;
    const response = await post(JSON.stringify({ ...byInvoice, invoice_number: 'INV\u0000', amount: 'x' }), 'application/json');
    expect(response.status).toBe(422);
    expect(Object.keys(response.body._issues).sort()).toEqual(['amount', 'invoice_number']);
    expect(await h.counts()).toEqual(counts);
  });

  test('answers list filters holding such text with an empty list, not a 500', async ({ harness: h, f }) => {
    for (const [list, where] of [
      ['/creditor--payments', { creditor_payment_reference: 'x\u0000' }],
      ['/creditor--payments', { creditor: '\u0000' }],
      ['/creditor--payments', { case: 'c\uDC00' }],
      ['/cases', { invoice_number: 'INV\u0000' }],
      ['/cases', { creditor: '\u0000' }],
    ] as const) {
      const response = await h.rest.get(`${list}?where=${encodeURIComponent(JSON.stringify(where))}`, { apiKey: f.apiKey });
      expect(response.status, `${list} ${JSON.stringify(where)}: ${response.text}`).toBe(200);
      expect(response.body._items).toEqual([]);
    }
  });
});
