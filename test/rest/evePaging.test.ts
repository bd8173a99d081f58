import { describe, expect, restTest } from '../support/fixtures.ts';

// Eve reads `max_results` as int(float(x)), falling back to the default (25) when that fails or
// is not positive, and `page` as abs(int(x)) or 1, keeping 1 when int() fails (eve/utils.py,
// parse_request). Its sort takes a Python list of (field, direction) tuples first.

/** 30 payments: amounts 1..30, bank dates cycling over 3 days, newest first by default. */
let amountsNewestFirst: number[];

const test = restTest;

test.beforeAll(async ({ tenant, harness: h }) => {
  const theCase = await tenant.openCase({ capital: '1000000.00' });
  for (let i = 0; i < 30; i++) {
    await tenant.pay({ case: theCase.id, amount: `${i + 1}.00`, bankTransactionDate: new Date(Date.UTC(2025, 5, 1 + (i % 3), 12)).toISOString() });
  }
  const rows = await h.db.payment.findMany({ where: { accountId: tenant.accountId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  amountsNewestFirst = rows.map((p) => Number(p.amount) / 100);
});

const amounts = (body: { _items: Array<{ amount: number }> }) => body._items.map((p) => p.amount);

describe('paging as Eve pages', () => {
  test.for([
    ['0', 25],
    ['-1', 25],
    ['abc', 25],
    ['', 25],
    ['nan', 25],
    ['1e400', 25],
    ['10.5', 10],
    ['1e1', 10],
    [' 7 ', 7],
    ['1_0', 10],
    ['1000', 100],
  ] as const)('max_results=%s is %i', async ([sent, size], { get }) => {
    const res = await get(`/creditor--payments?max_results=${encodeURIComponent(sent)}`);
    expect(res.status).toBe(200);
    expect(res.body._meta).toEqual({ page: 1, max_results: size, total: 30 });
    expect(res.body._items).toHaveLength(Math.min(size, 30));
  });

  test.for([
    ['0', 1],
    ['-2', 2],
    ['abc', 1],
    ['10.5', 1],
    ['+2', 2],
    ['', 1],
  ] as const)('page=%s is page %i', async ([sent, page], { get }) => {
    const res = await get(`/creditor--payments?max_results=10&page=${encodeURIComponent(sent)}`);
    expect(res.status).toBe(200);
    expect(res.body._meta.page).toBe(page);
    expect(amounts(res.body)).toEqual(amountsNewestFirst.slice((page - 1) * 10, page * 10));
  });

  test('still refuses a page past the limit, and a parameter given twice', async ({ get }) => {
    const deep = await get('/creditor--payments?page=-1000001');
    expect(deep.status).toBe(400);
    expect(deep.body._error.message).toBe('page must be at most 1000000');
    expect((await get('/creditor--payments?max_results=5&max_results=6')).status).toBe(400);
  });

  test("writes links as Eve's querydef: max_results, where, sort, page; the default size and page 1 left out", async ({ get }) => {
    const fallback = await get('/creditor--payments?max_results=abc&page=-2');
    expect(fallback.body._links).toEqual({
      parent: { title: 'home', href: '/' },
      self: { title: 'creditor--payments', href: 'creditor--payments?page=2' },
      prev: { title: 'previous page', href: 'creditor--payments' },
    });
    const sized = await get('/creditor--payments?max_results=10.5&sort=-amount&page=2');
    expect(sized.body._links).toEqual({
      parent: { title: 'home', href: '/' },
      self: { title: 'creditor--payments', href: 'creditor--payments?max_results=10&sort=-amount&page=2' },
      prev: { title: 'previous page', href: 'creditor--payments?max_results=10&sort=-amount' },
      next: { title: 'next page', href: 'creditor--payments?max_results=10&sort=-amount&page=3' },
      last: { title: 'last page', href: 'creditor--payments?max_results=10&sort=-amount&page=3' },
    });
    // Nothing matched: self is the bare resource, as Eve writes it.
    const none = await get(`/creditor--payments?where=${encodeURIComponent('{"amount": 999}')}`);
    expect(none.body._links).toEqual({ parent: { title: 'home', href: '/' }, self: { title: 'creditor--payments', href: 'creditor--payments' } });
  });

  test('says so in /openapi.json', async ({ harness: h }) => {
    const document = (await h.rest.get('/openapi.json')).body;
    const parameters = document.paths['/creditor--payments'].get.parameters as Array<{ name: string; description: string; schema: object }>;
    expect(parameters.find((p) => p.name === 'page')?.description).toMatch(/absolute value .* 0 or anything that is not an integer is page 1/);
    expect(parameters.find((p) => p.name === 'max_results')?.description).toMatch(
      /`10\.5` is 10\); 0, a negative number or anything that is not a number is the default 25/,
    );
    expect(parameters.find((p) => p.name === 'sort')?.description).toContain('[("amount", -1), ("_created", 1)]');
  });
});

describe("Eve's sort syntax", () => {
  test('sort=[("amount", -1)] sorts descending, and 1 ascending', async ({ get }) => {
    const down = await get(`/creditor--payments?max_results=5&sort=${encodeURIComponent('[("amount", -1)]')}`);
    expect(down.status).toBe(200);
    expect(amounts(down.body)).toEqual([30, 29, 28, 27, 26]);
    const up = await get(`/creditor--payments?max_results=5&sort=${encodeURIComponent("[('amount', 1)]")}`);
    expect(amounts(up.body)).toEqual([1, 2, 3, 4, 5]);
    // The link carries the sort as it was sent.
    expect(new URLSearchParams(down.body._links.next.href.split('?')[1]).get('sort')).toBe('[("amount", -1)]');
  });

  test('several tuples, and the comma form, give the same order', async ({ get }) => {
    const tuples = await get(`/creditor--payments?max_results=6&sort=${encodeURIComponent('[("bank_transaction_date", 1), ("amount", -1),]')}`);
    const commas = await get('/creditor--payments?max_results=6&sort=bank_transaction_date,-amount');
    expect(tuples.status).toBe(200);
    // Day 1 holds amounts 1, 4, ... 28: the largest first.
    expect(amounts(tuples.body)).toEqual([28, 25, 22, 19, 16, 13]);
    expect(amounts(commas.body)).toEqual(amounts(tuples.body));
  });

  test.for([
    ['an unclosed list', '[("amount", -1)', /not a list of \(field, direction\) tuples.*expected "\]"/],
    ['a direction that is not 1 or -1', '[("amount", 2)]', /direction of "amount" must be 1 or -1/],
    ['a direction as a word', '[("amount", "desc")]', /direction of "amount" must be 1 or -1/],
    ['an unquoted name', '[(amount, -1)]', /unexpected "amount, -1\)\]"/],
    ['Python code', '[__import__("os").system("x")]', /not a list of \(field, direction\) tuples/],
    ['an empty list', '[]', /the list is empty/],
    ['text after the list', '[("amount", -1)] x', /unexpected "x"/],
    ['a field that does not sort', '[("status", 1)]', /cannot sort on "status"/],
    ['a field twice', '[("amount", 1), ("amount", -1)]', /"amount" is given twice/],
  ] as const)('refuses %s with 400', async ([, sort, message], { get }) => {
    const res = await get(`/creditor--payments?sort=${encodeURIComponent(sort)}`);
    expect(res.status).toBe(400);
    expect(res.body._error.message).toMatch(message);
  });
});
