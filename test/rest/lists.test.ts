import { closeCase, openCase } from '../../src/domain/cases.ts';
import { createCreditor } from '../../src/domain/creditors.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';

const test = restTest.override('tenantName', 'Lists');

let creditorId: string;
let caseA: string;
let caseB: string;
let caseC: string;
let secondCreditorId: string;
/** The tenant's 60 payment ids, newest first (the default order). */
let newestFirst: string[];

const bankDate = (i: number) => new Date(Date.UTC(2025, 5, 1 + (i % 20), 12, 0, 0));

test.beforeAll(async ({ harness: h, tenant }) => {
  creditorId = tenant.creditorId;
  caseA = (await tenant.openCase({ capital: '1000000.00' })).id;
  caseB = (await tenant.openCase({ capital: '1000.00' })).id;
  await closeCase(h.db, caseB);
  const second = await createCreditor(h.db, tenant.accountId, 'Second AB');
  secondCreditorId = second.id;
  caseC = (await openCase(h.db, { creditorId: second.id, invoiceNumber: 'C-1', referenceNumber: 'RC-1', capital: '1000000.00' })).id;
  // 50 on case A, 5 on the closed case B (status error), 5 on case C of the second creditor.
  for (let i = 0; i < 60; i++) {
    const [creditor, theCase] = i < 50 ? [tenant.creditorId, caseA] : i < 55 ? [tenant.creditorId, caseB] : [secondCreditorId, caseC];
    await tenant.pay({ creditor, case: theCase, amount: `${i + 1}.00`, bankTransactionDate: bankDate(i).toISOString(), creditorPaymentReference: `L-${i}` });
  }
  const rows = await h.db.payment.findMany({ where: { accountId: tenant.accountId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  newestFirst = rows.map((p) => p.id);
  // Another account's payments never show up in this tenant's lists.
  const stranger = await h.createTenant('Stranger');
  const strangerCase = await stranger.openCase({ capital: '100.00' });
  await stranger.pay({ case: strangerCase.id, amount: '1.00', bankTransactionDate: bankDate(0).toISOString() });
});
const hrefQuery = (href: string) => Object.fromEntries(new URLSearchParams(href.split('?')[1] ?? ''));
const ids = (body: { _items: Array<{ _id: string }> }) => body._items.map((item) => item._id);

describe('GET /creditor--payments pagination', () => {
  test('gives 60 payments as pages of 25, 25 and 10 with _meta and _links', async ({ get }) => {
    const [one, two, three] = await Promise.all([1, 2, 3].map((page) => get(`/creditor--payments?page=${page}`)));

    // As Eve writes links: the default max_results (25) and page 1 are left out.
    const link = (title: string, page?: number) => ({ title, href: `creditor--payments${page && page > 1 ? `?page=${page}` : ''}` });
    const expected = [
      { items: 25, links: { self: link('creditor--payments'), next: link('next page', 2), last: link('last page', 3) } },
      { items: 25, links: { self: link('creditor--payments', 2), prev: link('previous page', 1), next: link('next page', 3), last: link('last page', 3) } },
      { items: 10, links: { self: link('creditor--payments', 3), prev: link('previous page', 2) } },
    ];
    for (const [i, page] of [one!, two!, three!].entries()) {
      expect(page.status).toBe(200);
      expect(page.body._items).toHaveLength(expected[i]!.items);
      expect(page.body._meta).toEqual({ page: i + 1, max_results: 25, total: 60 });
      expect(page.body._links).toEqual({ parent: { title: 'home', href: '/' }, ...expected[i]!.links });
    }

    // Together the pages are the whole list, newest first, each payment once.
    expect([...ids(one!.body), ...ids(two!.body), ...ids(three!.body)]).toEqual(newestFirst);
  });

  test('defaults to page 1 of 25, newest first, with links that carry no max_results', async ({ get }) => {
    const res = await get('/creditor--payments');
    expect(res.body._meta).toEqual({ page: 1, max_results: 25, total: 60 });
    expect(ids(res.body)).toEqual(newestFirst.slice(0, 25));
    expect(res.body._links.self.href).toBe('creditor--payments');
    expect(res.body._links.next.href).toBe('creditor--payments?page=2');
  });

  test('answers a page past the end with no items', async ({ get }) => {
    const res = await get('/creditor--payments?page=9');
    expect(res.status).toBe(200);
    expect(res.body._items).toEqual([]);
    expect(res.body._meta).toEqual({ page: 9, max_results: 25, total: 60 });
    expect(res.body._links.next).toBeUndefined();
  });

  test('carries where, sort and max_results in every link', async ({ tenant, get }) => {
    const where = JSON.stringify({ creditor: tenant.creditorId });
    const res = await get(`/creditor--payments?where=${encodeURIComponent(where)}&sort=-amount&max_results=20&page=2`);
    expect(res.body._meta).toEqual({ page: 2, max_results: 20, total: 55 });
    for (const rel of ['self', 'prev', 'next', 'last']) {
      expect(hrefQuery(res.body._links[rel].href)).toMatchObject({ where, sort: '-amount', max_results: '20' });
    }
    expect(hrefQuery(res.body._links.next.href).page).toBe('3');
    expect(res.body._items.map((p: { amount: number }) => p.amount)).toEqual(Array.from({ length: 20 }, (_, i) => 35 - i));
  });

  test('fetches a page with the same number of queries for 1 item as for 100 (cases in one query)', async ({ harness: h, get }) => {
    const queriesOf = async (url: string) => {
      const before = h.queries.length;
      const res = await get(url);
      expect(res.status).toBe(200);
      return h.queries.length - before;
    };
    const forOne = await queriesOf('/creditor--payments?max_results=1');
    const forAll = await queriesOf('/creditor--payments?max_results=100');
    expect(forAll).toBe(forOne);
    // The page, the count and the page's cases; the key, already used, is known to the process
    // (src/auth/verifiedKeys.ts: no statement on PostgreSQL, SQLite's data_version instead of the key's read).
    expect(forOne).toBe(3);
  });
});

describe('GET /cases pagination', () => {
  test('clamps max_results=1000 to 100', async ({ harness: h }) => {
    const many = await h.createTenant('ManyCases');
    for (let i = 0; i < 105; i++) await many.openCase({ capital: `${i + 1}.00` });
    const res = await h.rest.get('/cases?max_results=1000', { apiKey: many.apiKey });
    expect(res.status).toBe(200);
    expect(res.body._items).toHaveLength(100);
    expect(res.body._meta).toEqual({ page: 1, max_results: 100, total: 105 });
    expect(res.body._links.next.href).toBe('cases?max_results=100&page=2');
    const rest = await h.rest.get('/cases?max_results=1000&page=2', { apiKey: many.apiKey });
    expect(rest.body._items).toHaveLength(5);
  });

  test('clamps max_results=1000 to 100 on payments too', async ({ get }) => {
    const res = await get('/creditor--payments?max_results=1000');
    expect(res.body._meta).toEqual({ page: 1, max_results: 100, total: 60 });
    expect(ids(res.body)).toEqual(newestFirst);
  });
});

describe('where and sort', () => {
  const where = (conditions: object) => `where=${encodeURIComponent(JSON.stringify(conditions))}`;

  test.for([
    { name: 'status', conditions: () => ({ status: 'error' }), total: 5 },
    { name: 'creditor', conditions: () => ({ creditor: secondCreditorId }), total: 5 },
    { name: 'case', conditions: () => ({ case: caseA }), total: 50 },
    { name: 'creditor_payment_reference', conditions: () => ({ creditor_payment_reference: 'L-7' }), total: 1 },
    { name: 'two fields at once', conditions: () => ({ creditor: creditorId, status: 'completed' }), total: 50 },
    // Days 1 and 2 of June: i % 20 in {0, 1}, i < 60 -> 6 payments.
    {
      name: 'bank_transaction_date range, RFC 1123 and ISO',
      conditions: () => ({ bank_transaction_date: { $gte: 'Sun, 01 Jun 2025 00:00:00 GMT', $lte: '2025-06-02T23:59:59Z' } }),
      total: 6,
    },
    { name: 'bank_transaction_date equal to an instant', conditions: () => ({ bank_transaction_date: bankDate(3).toUTCString() }), total: 3 },
    { name: 'nothing matching', conditions: () => ({ creditor_payment_reference: 'NO-SUCH' }), total: 0 },
  ])('filters payments on $name', async ({ conditions, total }, { get }) => {
    const res = await get(`/creditor--payments?max_results=100&${where(conditions())}`);
    expect(res.status).toBe(200);
    expect(res.body._meta.total).toBe(total);
    expect(res.body._items).toHaveLength(total);
    const c = conditions() as Record<string, unknown>;
    for (const item of res.body._items) {
      if (c.status) expect(item.status).toBe(c.status);
      if (c.creditor) expect(item.creditor).toBe(c.creditor);
      if (c.case) expect(item.case).toBe(c.case);
    }
  });

  test('filters cases on creditor, state and invoice_number', async ({ get }) => {
    const byState = await get(`/cases?${where({ state: 'CLOSED' })}`);
    expect(ids(byState.body)).toEqual([caseB]);
    const byCreditor = await get(`/cases?${where({ creditor: secondCreditorId })}`);
    expect(ids(byCreditor.body)).toEqual([caseC]);
    const byInvoice = await get(`/cases?${where({ invoice_number: 'C-1' })}`);
    expect(ids(byInvoice.body)).toEqual([caseC]);
    expect(byInvoice.body._items[0]).toMatchObject({ invoice_number: 'C-1', reference_number: 'RC-1', creditor: secondCreditorId });
  });

  test('sorts on amount, both ways', async ({ get }) => {
    const up = await get('/creditor--payments?sort=amount&max_results=5');
    expect(up.body._items.map((p: { amount: number }) => p.amount)).toEqual([1, 2, 3, 4, 5]);
    const down = await get('/creditor--payments?sort=-amount&max_results=5');
    expect(down.body._items.map((p: { amount: number }) => p.amount)).toEqual([60, 59, 58, 57, 56]);
  });

  test('sorts on bank_transaction_date then -amount', async ({ get }) => {
    const res = await get('/creditor--payments?sort=bank_transaction_date,-amount&max_results=6');
    // 1 June: i = 0, 20, 40 (amounts 41, 21, 1); 2 June: i = 1, 21, 41 (42, 22, 2).
    expect(res.body._items.map((p: { amount: number }) => p.amount)).toEqual([41, 21, 1, 42, 22, 2]);
    expect(res.body._items[0].bank_transaction_date).toBe('Sun, 01 Jun 2025 12:00:00 GMT');
  });

  test('sorts on _created ascending: the reverse of the default', async ({ harness: h, tenant, get }) => {
    const res = await get('/creditor--payments?sort=_created&max_results=100');
    // Ties within one millisecond fall back to id, newest first, in both orders.
    const created = res.body._items.map((p: { _id: string }) => p._id);
    expect(new Set(created)).toEqual(new Set(newestFirst));
    const rows = await h.db.payment.findMany({ where: { accountId: tenant.accountId }, orderBy: [{ createdAt: 'asc' }, { id: 'desc' }] });
    expect(created).toEqual(rows.map((p) => p.id));
  });

  test.for([
    ['where that is not JSON', 'where=status:completed', /^where must be a JSON object/],
    ['where that is a JSON array', `where=${encodeURIComponent('[1]')}`, /^where must be a JSON object/],
    ['where on an unknown field', `where=${encodeURIComponent('{"payer": 5}')}`, /unknown field "payer"/],
    ['where with an unknown operator', `where=${encodeURIComponent('{"bank_transaction_date": {"$regex": "2025"}}')}`, /unknown operator "\$regex"/],
    ['where with a Mongo $where', `where=${encodeURIComponent('{"$where": "true"}')}`, /unknown operator "\$where"/],
    ['where with a bad status', `where=${encodeURIComponent('{"status": "done"}')}`, /status must be one of completed, warning, error/],
    [
      'where with a bad date',
      `where=${encodeURIComponent('{"bank_transaction_date": "yesterday"}')}`,
      /bank_transaction_date must be an RFC 1123 or ISO 8601 date/,
    ],
    ['where with a non-string creditor', `where=${encodeURIComponent('{"creditor": 5}')}`, /creditor must be a non-empty string/],
    ['sort on an unknown field', 'sort=status', /cannot sort on "status"/],
    ['sort naming a field twice', 'sort=amount,-amount', /"amount" is given twice/],
    ['an empty sort', 'sort=', /cannot sort on ""/],
    ['a page past the last allowed', 'page=1000001', /page must be at most 1000000/],
    ['page given twice', 'page=1&page=2', /page must be given once/],
  ] as Array<[string, string, RegExp]>)('refuses %s with 400', async ([, query, message], { get }) => {
    const res = await get(`/creditor--payments?${query}`);
    expect(res.status).toBe(400);
    expect(res.body._status).toBe('ERR');
    expect(res.body._error.code).toBe(400);
    expect(res.body._error.message).toMatch(message);
  });

  test('refuses where and sort that are not for cases with 400', async ({ get }) => {
    const bad = await get(`/cases?${where({ status: 'error' })}`);
    expect(bad.status).toBe(400);
    expect(bad.body._error.message).toMatch(
      /unknown field "status"; the fields are _id, _created, _updated, creditor, invoice_number, reference_number, currency, state, remaining_costs, remaining_interest, remaining_capital/,
    );
    expect((await get('/cases?sort=amount')).status).toBe(400);
    expect((await get(`/cases?${where({ state: 'DONE' })}`)).status).toBe(400);
  });
});
