import { describe, expect, restTest } from '../support/fixtures.ts';
import { paymentBody } from '../support/rest.ts';

// Eve's documents: amounts as Python's json prints floats, `_links` on every document (item GET
// adds `parent` and `collection`), Last-Modified with If-Modified-Since, the home document,
// OPTIONS with Allow.

let theCase: { id: string; invoiceNumber: string; referenceNumber: string };
let created: { status: number; text: string; body: Record<string, any> };

const test = restTest;

test.beforeAll(async ({ harness: h, tenant }) => {
  theCase = await tenant.openCase({ costs: '0.60', capital: '2000.00' });
  created = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, theCase.id, { amount: 971.4, creditor_payment_reference: 'DOC-1' }), {
    apiKey: tenant.apiKey,
  });
});

describe('money as Eve prints it', () => {
  test('amounts carry a decimal point in items, lists and the POST answer', async ({ get }) => {
    expect(created.status).toBe(201);
    expect(created.text).toContain('"settled_amount":971.4');
    const item = await get(`/creditor--payments/${created.body._id}`);
    expect(item.text).toContain('"amount":971.4,');
    expect(item.text).toContain('"settled_costs":0.6,');
    expect(item.text).toContain('"settled_interest":0.0,');
    expect(item.text).toContain('"settled_capital":970.8,');
    const list = await get(`/creditor--payments?where=${encodeURIComponent(JSON.stringify({ _id: created.body._id }))}`);
    expect(list.text).toContain('"amount":971.4,');
    const c = await get(`/cases/${theCase.id}`);
    expect(c.text).toContain('"remaining_costs":0.0,');
    expect(c.text).toContain('"remaining_capital":1029.2,');
    expect(c.text).toContain('"remaining_total":1029.2,');
    const cases = await get('/cases');
    expect(cases.text).toContain('"remaining_total":1029.2');
  });

  test('a whole amount is 100.0, and the largest keeps every öre', async ({ harness: h, tenant }) => {
    const big = await tenant.openCase({ capital: '1000000000.00' });
    const whole = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, big.id, { amount: 100 }), { apiKey: tenant.apiKey });
    expect(whole.text).toContain('"settled_amount":100.0,');
    const largest = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, big.id, { amount: 999999899.99 }), { apiKey: tenant.apiKey });
    expect(largest.status).toBe(201);
    expect(largest.text).toContain('"settled_amount":999999899.99,');
    const item = await h.rest.get(`/creditor--payments/${largest.body._id}`, { apiKey: tenant.apiKey });
    expect(item.text).toContain('"amount":999999899.99,');
    const c = await h.rest.get(`/cases/${big.id}`, { apiKey: tenant.apiKey });
    expect(c.text).toContain('"remaining_capital":0.01,');
  });
});

describe("Eve's document extras", () => {
  test('the POST answer and list items carry _links.self; items and lists carry _payment_status', async ({ get }) => {
    const self = { title: 'Creditor--payment', href: `creditor--payments/${created.body._id}` };
    expect(created.body._links).toEqual({ self });
    const list = await get(`/creditor--payments?where=${encodeURIComponent(JSON.stringify({ _id: created.body._id }))}`);
    expect(list.body._items[0]._links).toEqual({ self });
    expect(list.body._items[0]._payment_status).toBe('completed');
    const item = await get(`/creditor--payments/${created.body._id}`);
    expect(item.body._payment_status).toBe(item.body.status);
    const cases = await get(`/cases?where=${encodeURIComponent(JSON.stringify({ _id: theCase.id }))}`);
    expect(cases.body._items[0]._links).toEqual({ self: { title: 'Case', href: `cases/${theCase.id}` } });
  });

  test('Last-Modified is _updated; If-Modified-Since at or after it answers 304, before it 200', async ({ get }) => {
    const url = `/creditor--payments/${created.body._id}`;
    const item = await get(url);
    expect(item.headers['last-modified']).toBe(item.body._updated);
    const updated = Date.parse(item.body._updated);
    const at = await get(url, { 'if-modified-since': item.body._updated });
    expect(at.status).toBe(304);
    expect(at.text).toBe('');
    expect(at.headers['last-modified']).toBe(item.body._updated);
    // Eve's own date forms work here too.
    const later = new Date(updated + 3_600_000)
      .toUTCString()
      .replace(/^(\w+), 0/, '$1, ')
      .toLowerCase();
    expect((await get(url, { 'if-modified-since': later })).status).toBe(304);
    const before = await get(url, { 'if-modified-since': new Date(updated - 1000).toUTCString() });
    expect(before.status).toBe(200);
    expect(before.body._id).toBe(created.body._id);
    // Unreadable: ignored, as HTTP asks.
    expect((await get(url, { 'if-modified-since': 'yesterday' })).status).toBe(200);
    // With If-None-Match both must hold, as Eve checks them.
    expect((await get(url, { 'if-modified-since': item.body._updated, 'if-none-match': '"other"' })).status).toBe(200);
    expect((await get(url, { 'if-modified-since': item.body._updated, 'if-none-match': item.headers.etag as string })).status).toBe(304);
  });

  test('a case answers If-Modified-Since until a payment changes it', async ({ harness: h, tenant, get }) => {
    const own = await tenant.openCase({ capital: '50.00' });
    const first = await get(`/cases/${own.id}`);
    expect(first.headers['last-modified']).toBe(first.body._updated);
    expect((await get(`/cases/${own.id}`, { 'if-modified-since': first.body._updated })).status).toBe(304);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, own.id, { amount: 5 }), { apiKey: tenant.apiKey });
    const changed = await get(`/cases/${own.id}`, { 'if-modified-since': first.body._updated });
    expect(changed.status).toBe(200);
    expect(changed.body.remaining_capital).toBe(45);
  });

  test('GET / is the home document listing the resources; it needs the key', async ({ harness: h, get }) => {
    const home = await get('/');
    expect(home.status).toBe(200);
    expect(home.body).toEqual({
      _links: {
        child: [
          { href: 'creditor--payments', title: 'creditor--payments' },
          { href: 'cases', title: 'cases' },
        ],
      },
    });
    expect((await h.rest.get('/')).status).toBe(401);
  });

  test('OPTIONS answers 200 with Allow on every path, without a key', async ({ harness: h }) => {
    for (const [url, allow] of [
      ['/', 'GET, HEAD, OPTIONS'],
      ['/creditor--payments', 'GET, HEAD, OPTIONS, POST'],
      [`/creditor--payments/${created.body._id}`, 'GET, HEAD, OPTIONS'],
      ['/cases', 'GET, HEAD, OPTIONS'],
      [`/cases/${theCase.id}`, 'GET, HEAD, OPTIONS'],
    ] as const) {
      const res = await h.rest.request('OPTIONS', url);
      expect(res.status, url).toBe(200);
      expect(res.headers.allow).toBe(allow);
      expect(res.text).toBe('');
    }
  });
});

describe('invoice_number stays in the stored document', () => {
  test('a payment registered by invoice_number shows it on GET of the item and in the list; one by case does not', async ({ harness: h, tenant, get }) => {
    const byInvoice = await tenant.openCase({ capital: '300.00' });
    const { case: _omitted, ...body } = paymentBody(tenant.creditorId, byInvoice.id, { amount: 30 });
    const res = await h.rest.post('/creditor--payments', { ...body, invoice_number: byInvoice.invoiceNumber }, { apiKey: tenant.apiKey });
    expect(res.status).toBe(201);
    const item = await get(`/creditor--payments/${res.body._id}`);
    expect(item.body.invoice_number).toBe(byInvoice.invoiceNumber);
    expect(item.body.case).toBe(byInvoice.id);
    const list = await get(`/creditor--payments?where=${encodeURIComponent(JSON.stringify({ invoice_number: byInvoice.invoiceNumber }))}`);
    expect(list.body._items.map((p: { _id: string }) => p._id)).toEqual([res.body._id]);
    expect(list.body._items[0].invoice_number).toBe(byInvoice.invoiceNumber);
    const byCase = await get(`/creditor--payments/${created.body._id}`);
    expect(byCase.body).not.toHaveProperty('invoice_number');
  });
});
