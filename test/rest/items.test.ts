import { createApp } from '../../src/app.ts';
import type { Db } from '../../src/db/client.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';
import { paymentBody } from '../support/rest.ts';

let theCase: { id: string; invoiceNumber: string; referenceNumber: string };
let created: Record<string, any>;

const test = restTest;

test.beforeAll(async ({ harness: h, tenant }) => {
  theCase = await tenant.openCase({ costs: '10.00', interest: '5.25', capital: '100.00' });
  const res = await h.rest.post(
    '/creditor--payments',
    paymentBody(tenant.creditorId, theCase.id, {
      amount: 20.5,
      client_registration_date: '2025-07-05T08:00:00Z',
      creditor_payment_reference: 'ITEM-1',
    }),
    { apiKey: tenant.apiKey },
  );
  created = res.body;
});

describe('GET /creditor--payments/{id}', () => {
  test('returns the full stored document with its ETag', async ({ tenant, get }) => {
    const res = await get(`/creditor--payments/${created._id}`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe(`"${created._etag}"`);
    expect(res.body).toEqual({
      _id: created._id,
      _created: created._created,
      _updated: created._updated,
      _etag: created._etag,
      _links: {
        self: { title: 'Creditor--payment', href: `creditor--payments/${created._id}` },
        parent: { title: 'home', href: '/' },
        collection: { title: 'creditor--payments', href: 'creditor--payments' },
      },
      _payment_status: 'completed',
      account: tenant.accountId,
      creditor: tenant.creditorId,
      case: theCase.id,
      currency: 'SEK',
      amount: 20.5,
      settled_amount: 20.5,
      settled_costs: 10,
      settled_interest: 5.25,
      settled_capital: 5.25,
      status: 'completed',
      status_reason_locale: null,
      bank_transaction_date: 'Fri, 04 Jul 2025 16:20:41 GMT',
      client_registration_date: 'Sat, 05 Jul 2025 08:00:00 GMT',
      booking_date: created.booking_date,
      creditor_payment_reference: 'ITEM-1',
      origin: 'creditor_system',
      file_import_report: null,
      case_invoice_number: theCase.invoiceNumber,
      case_reference_number: theCase.referenceNumber,
    });
  });

  test('answers If-None-Match with the current ETag with 304 and no body', async ({ get }) => {
    const res = await get(`/creditor--payments/${created._id}`, { 'if-none-match': `"${created._etag}"` });
    expect(res.status).toBe(304);
    expect(res.text).toBe('');
    expect(res.headers.etag).toBe(`"${created._etag}"`);
  });

  test('matches weak, listed and * ETags, and answers 200 to another ETag', async ({ get }) => {
    const url = `/creditor--payments/${created._id}`;
    expect((await get(url, { 'if-none-match': `W/"${created._etag}"` })).status).toBe(304);
    expect((await get(url, { 'if-none-match': `"${'0'.repeat(40)}", "${created._etag}"` })).status).toBe(304);
    expect((await get(url, { 'if-none-match': '*' })).status).toBe(304);
    const other = await get(url, { 'if-none-match': `"${'0'.repeat(40)}"` });
    expect(other.status).toBe(200);
    expect(other.body._id).toBe(created._id);
  });

  test.for([
    ['an unknown id', 'ffffffffffffffffffffffff'],
    ['a malformed id', 'not-an-id'],
  ])('answers %s with 404 in the _error envelope', async ([, id], { get }) => {
    const res = await get(`/creditor--payments/${id}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ _status: 'ERR', _error: { code: 404, message: `No creditor payment with id "${id}" was found.` } });
  });
});

describe('unknown paths', () => {
  test('answer 404 in the _error envelope', async ({ get }) => {
    const res = await get('/creditor--payment');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ _status: 'ERR', _error: { code: 404, message: 'The requested URL GET /creditor--payment was not found on the server.' } });
  });
});

describe('GET /cases/{id}', () => {
  test('returns the case with what remains, and an ETag that changes when a payment is applied', async ({ harness: h, tenant, get }) => {
    const res = await get(`/cases/${theCase.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      _id: theCase.id,
      _created: expect.any(String),
      _updated: expect.any(String),
      _etag: expect.stringMatching(/^[0-9a-f]{40}$/),
      _links: {
        self: { title: 'Case', href: `cases/${theCase.id}` },
        parent: { title: 'home', href: '/' },
        collection: { title: 'cases', href: 'cases' },
      },
      creditor: tenant.creditorId,
      invoice_number: theCase.invoiceNumber,
      reference_number: theCase.referenceNumber,
      currency: 'SEK',
      state: 'OPEN',
      remaining_costs: 0,
      remaining_interest: 0,
      remaining_capital: 94.75,
      remaining_total: 94.75,
    });
    expect(res.headers.etag).toBe(`"${res.body._etag}"`);
    const unchanged = await get(`/cases/${theCase.id}`, { 'if-none-match': res.headers.etag as string });
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');

    await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, theCase.id, { amount: 94.75 }), { apiKey: tenant.apiKey });
    const changed = await get(`/cases/${theCase.id}`, { 'if-none-match': res.headers.etag as string });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ state: 'PAID', remaining_total: 0 });
    expect(changed.body._etag).not.toBe(res.body._etag);
  });

  test('answers an unknown case with 404', async ({ get }) => {
    const res = await get('/cases/ffffffffffffffffffffffff');
    expect(res.status).toBe(404);
    expect(res.body._error).toEqual({ code: 404, message: 'No case with id "ffffffffffffffffffffffff" was found.' });
  });
});

describe('an unexpected failure', () => {
  test('is a 500 in the _error envelope that tells nothing of the cause', async ({ harness: h, tenant }) => {
    // The payments table "fails"; the key lookup still works.
    const failing = new Proxy(h.db, {
      get: (target, prop) =>
        prop === 'payment' ? { findFirst: () => Promise.reject(new Error('connection reset: secret detail')) } : Reflect.get(target, prop, target),
    }) as Db;
    const app = await createApp({ db: failing, logLevel: 'silent' });
    try {
      const res = await app.inject({ method: 'GET', url: `/creditor--payments/${created._id}`, headers: { 'x-api-key': tenant.apiKey } });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ _status: 'ERR', _error: { code: 500, message: 'Internal server error' } });
      expect(res.body).not.toContain('secret');
    } finally {
      await app.close();
    }
  });
});
