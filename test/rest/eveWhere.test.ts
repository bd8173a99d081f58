import { closeCase, openCase } from '../../src/domain/cases.ts';
import { createCreditor } from '../../src/domain/creditors.ts';
import { MAX_FILTER_DEPTH, MAX_FILTER_TERMS, MAX_FILTER_VALUES } from '../../src/domain/vocabulary.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';

// Eve passes `where` to Mongo: a field's value is what it must equal, or an object of operators
// ($ne, $in, $nin, $gt, $gte, $lt, $lte); $and and $or combine objects of conditions.

interface Row {
  id: string;
  amount: number;
  status: string;
  caseId: string;
  creditorId: string;
  reference: string | null;
  bankDate: Date;
}
let rows: Row[];
let caseA: string;
let caseClosed: string;
let caseOther: string;
let secondCreditor: string;
let stranger: Tenant;
let strangerPayment: string;

const test = restTest;
const where = (w: unknown) => `where=${encodeURIComponent(typeof w === 'string' ? w : JSON.stringify(w))}`;
const ids = (body: { _items: Array<{ _id: string }> }) => body._items.map((p) => p._id).sort();
const idsOf = (selected: Row[]) => selected.map((r) => r.id).sort();

test.beforeAll(async ({ harness: h, tenant }) => {
  caseA = (await tenant.openCase({ capital: '1000000.00' })).id;
  caseClosed = (await tenant.openCase({ capital: '100.00' })).id;
  await closeCase(h.db, caseClosed);
  secondCreditor = (await createCreditor(h.db, tenant.accountId, 'Second AB')).id;
  caseOther = (await openCase(h.db, { creditorId: secondCreditor, invoiceNumber: 'W-1', referenceNumber: 'RW-1', capital: '1000000.00' })).id;
  // 12 payments: amounts 0.10, 1.80, 2.50, 3.20 ..., on three cases, four bank days, every other with a reference.
  for (let i = 0; i < 12; i++) {
    const [creditor, theCase] = i < 8 ? [tenant.creditorId, caseA] : i < 10 ? [tenant.creditorId, caseClosed] : [secondCreditor, caseOther];
    await tenant.pay({
      creditor,
      case: theCase,
      amount: `${i}.${((i * 7) % 10) + 1}0`,
      bankTransactionDate: new Date(Date.UTC(2025, 6, 1 + (i % 4), 10)).toISOString(),
      creditorPaymentReference: i % 2 === 0 ? `W-REF-${i}` : null,
    });
  }
  rows = (await h.db.payment.findMany({ where: { accountId: tenant.accountId } })).map((p) => ({
    id: p.id,
    amount: Number(p.amount),
    status: p.status,
    caseId: p.caseId,
    creditorId: p.creditorId,
    reference: p.creditorPaymentReference,
    bankDate: p.bankTransactionDate,
  }));
  stranger = await h.createTenant('Stranger');
  const strangerCase = await stranger.openCase({ capital: '100.00' });
  strangerPayment = (
    await stranger.pay({ case: strangerCase.id, amount: '5.00', bankTransactionDate: '2025-07-01T10:00:00Z', creditorPaymentReference: 'W-REF-0' })
  ).id;
});

describe('where with Eve operators on payments', () => {
  test.for([
    { name: 'amount $gt (exact decimal)', w: () => ({ amount: { $gt: 5.5 } }), pick: (r: Row) => r.amount > 550 },
    { name: 'amount $gte and $lt together', w: () => ({ amount: { $gte: '2.40', $lt: 6 } }), pick: (r: Row) => r.amount >= 240 && r.amount < 600 },
    { name: 'amount equal to a decimal', w: () => ({ amount: 3.2 }), pick: (r: Row) => r.amount === 320 },
    { name: 'amount $lte as a string', w: () => ({ amount: { $lte: '0.10' } }), pick: (r: Row) => r.amount <= 10 },
    { name: 'status $ne', w: () => ({ status: { $ne: 'completed' } }), pick: (r: Row) => r.status !== 'completed' },
    { name: 'status $in', w: () => ({ status: { $in: ['error', 'warning'] } }), pick: (r: Row) => r.status !== 'completed' },
    { name: 'case $nin', w: () => ({ case: { $nin: [caseA, caseOther] } }), pick: (r: Row) => r.caseId === caseClosed },
    { name: 'creditor $ne', w: () => ({ creditor: { $ne: secondCreditor } }), pick: (r: Row) => r.creditorId !== secondCreditor },
    { name: '_id $in', w: () => ({ _id: { $in: [rows[0]!.id, rows[3]!.id] } }), pick: (r: Row) => r.id === rows[0]!.id || r.id === rows[3]!.id },
    {
      name: 'reference $ne keeps those without one',
      w: () => ({ creditor_payment_reference: { $ne: 'W-REF-0' } }),
      pick: (r: Row) => r.reference !== 'W-REF-0',
    },
    { name: 'reference null', w: () => ({ creditor_payment_reference: null }), pick: (r: Row) => r.reference === null },
    {
      name: 'reference $nin keeps nulls',
      w: () => ({ creditor_payment_reference: { $nin: ['W-REF-0', 'W-REF-2'] } }),
      pick: (r: Row) => r.reference !== 'W-REF-0' && r.reference !== 'W-REF-2',
    },
    {
      name: 'bank date $lt',
      w: () => ({ bank_transaction_date: { $lt: 'Thu, 3 Jul 2025 00:00:00 GMT' } }),
      pick: (r: Row) => r.bankDate < new Date('2025-07-03T00:00:00Z'),
    },
    { name: '_created $lte now', w: () => ({ _created: { $lte: new Date(Date.now() + 60_000).toISOString() } }), pick: () => true },
    { name: '_updated $gt long ago', w: () => ({ _updated: { $gt: '2000-01-01' } }), pick: () => true },
    { name: 'case_invoice_number', w: () => ({ case_invoice_number: 'W-1' }), pick: (r: Row) => r.caseId === caseOther },
    {
      name: '$or of two fields',
      w: () => ({ $or: [{ case: caseOther }, { amount: { $lt: 1 } }] }),
      pick: (r: Row) => r.caseId === caseOther || r.amount < 100,
    },
    {
      name: '$and inside $or beside a field',
      w: () => ({ creditor: firstCreditor(), $or: [{ $and: [{ amount: { $gte: 2 } }, { amount: { $lte: 3 } }] }, { status: 'error' }] }),
      pick: (r: Row) => r.creditorId !== secondCreditor && ((r.amount >= 200 && r.amount <= 300) || r.status === 'error'),
    },
  ])('filters on $name', async ({ w, pick }, { get }) => {
    const res = await get(`/creditor--payments?max_results=100&${where(w())}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const expected = idsOf(rows.filter(pick));
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(res.body)).toEqual(expected);
    expect(res.body._meta.total).toBe(expected.length);
  });

  test.for([
    ['an amount with too many decimals', { amount: { $gt: 1.001 } }, /where: amount.\$gt must be an amount of at most 2 decimals/],
    ['an amount that rounds as a double', '{"amount": {"$gt": 1.0000000000000001}}', /where: amount.\$gt must be an amount/],
    ['a negative amount', { amount: -1 }, /where: amount must be an amount/],
    ['a bad date in $gte', { _created: { $gte: 'yesterday' } }, /where: _created.\$gte must be an RFC 1123 or ISO 8601 date/],
    ['a status not in the vocabulary', { status: { $in: ['completed', 'done'] } }, /where: status.\$in must be one of completed, warning, error/],
    ['$in without an array', { status: { $in: 'completed' } }, /where: status.\$in takes an array of values/],
    ['an array as a value', { status: ['completed'] }, /for a list use \$in/],
    ['null on a field that is never null', { amount: null }, /where: amount must be an amount/],
    ['an unknown operator', { amount: { $regex: '1' } }, /unknown operator "\$regex" on amount/],
    ['$where', { $where: 'sleep(1000)' }, /unknown operator "\$where"/],
    ['$or of a non-object', { $or: ['x'] }, /\$or takes a non-empty array of objects/],
    ['an empty $and', { $and: [] }, /\$and takes a non-empty array of objects/],
    ['an operator object without operators', { amount: {} }, /amount needs an operator/],
    ['a derived field', { settled_amount: 1 }, /unknown field "settled_amount"/],
    ['a range on text the database cannot hold', { creditor_payment_reference: { $gt: 'a\u0000' } }, /NUL/],
  ] as const)('refuses %s with 400', async ([, w, message], { harness: h, get }) => {
    const before = await h.counts();
    const res = await get(`/creditor--payments?${where(w)}`);
    expect(res.status).toBe(400);
    expect(res.body._error.message).toMatch(message);
    expect(await h.counts()).toEqual(before);
  });

  test('equality on text the database cannot hold matches nothing, and $ne matches everything', async ({ get }) => {
    expect((await get(`/creditor--payments?${where({ creditor_payment_reference: 'a\u0000' })}`)).body._meta.total).toBe(0);
    expect((await get(`/creditor--payments?${where({ creditor_payment_reference: { $ne: 'a\u0000' } })}`)).body._meta.total).toBe(rows.length);
  });
});

describe('hostile filters', () => {
  const nested = (depth: number): object => (depth === 0 ? { amount: { $gt: 0 } } : { $or: [nested(depth - 1)] });

  test(`nesting $and/$or ${MAX_FILTER_DEPTH} deep is answered; one deeper is 400`, async ({ get }) => {
    const allowed = await get(`/creditor--payments?max_results=100&${where(nested(MAX_FILTER_DEPTH))}`);
    expect(allowed.status).toBe(200);
    expect(allowed.body._meta.total).toBe(rows.filter((r) => r.amount > 0).length);
    const deeper = await get(`/creditor--payments?${where(nested(MAX_FILTER_DEPTH + 1))}`);
    expect(deeper.status).toBe(400);
    expect(deeper.body._error.message).toBe(`where: $and/$or may nest at most ${MAX_FILTER_DEPTH} deep`);
  });

  test('a where nested thousands deep is refused without exhausting the stack', async ({ get }) => {
    const text = `${'{"$or": ['.repeat(2000)}{"amount": 1}${']}'.repeat(2000)}`;
    const res = await get(`/creditor--payments?${where(text)}`);
    expect(res.status).toBe(400);
    expect(res.body._error.message).toMatch(/may nest at most/);
  });

  test(`${MAX_FILTER_TERMS} conditions are answered; more are 400`, async ({ get }) => {
    const terms = (n: number) => ({ $or: Array.from({ length: n }, (_, i) => ({ amount: i })) });
    expect((await get(`/creditor--payments?${where(terms(MAX_FILTER_TERMS))}`)).status).toBe(200);
    const tooMany = await get(`/creditor--payments?${where(terms(MAX_FILTER_TERMS + 1))}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body._error.message).toBe(`where: at most ${MAX_FILTER_TERMS} conditions are allowed`);
  });

  test(`$in takes ${MAX_FILTER_VALUES} values; more are 400`, async ({ get }) => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `R-${i}`);
    expect((await get(`/creditor--payments?${where({ creditor_payment_reference: { $in: values(MAX_FILTER_VALUES) } })}`)).status).toBe(200);
    const tooMany = await get(`/creditor--payments?${where({ creditor_payment_reference: { $in: values(MAX_FILTER_VALUES + 1) } })}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body._error.message).toBe(`where: a list of values may hold at most ${MAX_FILTER_VALUES} values`);
  });
});

describe('every filter stays inside the account', () => {
  test("another account's ids, references and wide-open conditions find none of its payments", async ({ get }) => {
    for (const w of [
      { _id: strangerPayment },
      { _id: { $in: [strangerPayment] } },
      { creditor: stranger.creditorId },
      { creditor_payment_reference: 'W-REF-0', amount: 5 },
      { $or: [{ _id: strangerPayment }, { account: stranger.accountId }] },
      { account: { $ne: 'x' } },
      { amount: { $gte: 0 } },
    ]) {
      const res = await get(`/creditor--payments?max_results=100&${where(w)}`);
      expect(res.status).toBe(200);
      expect(ids(res.body)).not.toContain(strangerPayment);
      for (const item of res.body._items) expect(rows.map((r) => r.id)).toContain(item._id);
    }
  });

  test('the stranger sees only its own payment under the same filters', async ({ harness: h }) => {
    const res = await h.rest.get(`/creditor--payments?${where({ creditor_payment_reference: { $in: ['W-REF-0', 'W-REF-2'] } })}`, { apiKey: stranger.apiKey });
    expect(ids(res.body)).toEqual([strangerPayment]);
  });
});

describe('where on cases', () => {
  test('state $in, remaining_capital $gte, invoice_number $ne, $or', async ({ get }) => {
    const closed = await get(`/cases?${where({ state: { $in: ['CLOSED', 'PAID'] } })}`);
    expect(ids(closed.body)).toEqual([caseClosed]);
    const large = await get(`/cases?${where({ remaining_capital: { $gte: 500000 } })}`);
    expect(ids(large.body)).toEqual([caseA, caseOther].sort());
    const notW1 = await get(`/cases?${where({ invoice_number: { $ne: 'W-1' } })}`);
    expect(ids(notW1.body)).toEqual([caseA, caseClosed].sort());
    const either = await get(`/cases?${where({ $or: [{ creditor: secondCreditor }, { state: 'CLOSED' }] })}`);
    expect(ids(either.body)).toEqual([caseClosed, caseOther].sort());
    const bad = await get(`/cases?${where({ remaining_capital: { $gte: 'lots' } })}`);
    expect(bad.status).toBe(400);
    expect(bad.body._error.message).toMatch(/where: remaining_capital.\$gte must be an amount/);
  });

  test("another account's case is not found by id", async ({ get, harness: h }) => {
    const theirs = await h.db.case.findFirstOrThrow({ where: { accountId: stranger.accountId } });
    const res = await get(`/cases?${where({ $or: [{ _id: theirs.id }, { _id: { $ne: 'x' } }] })}`);
    expect(ids(res.body)).toEqual([caseA, caseClosed, caseOther].sort());
  });
});

function firstCreditor(): string {
  return rows.find((r) => r.caseId === caseA)!.creditorId;
}
