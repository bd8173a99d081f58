import { parseDate, parseUpperBound } from '../../src/domain/dates.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';
import { paymentBody } from '../support/rest.ts';

// Eve reads dates with Python's strptime and `%a, %d %b %Y %H:%M:%S GMT`: %d and %H take one
// digit, names match in any case, and %a is read but not checked against the date.

let theCase: { id: string };

const test = restTest;

test.beforeAll(async ({ tenant }) => {
  theCase = await tenant.openCase({ capital: '1000000.00' });
});

describe('dates as Eve parses them', () => {
  test.for([
    ['a one-digit day', 'Fri, 4 Jul 2025 16:20:41 GMT', '2025-07-04T16:20:41.000Z'],
    ['lower-case names', 'fri, 04 jul 2025 16:20:41 gmt', '2025-07-04T16:20:41.000Z'],
    ['upper-case names', 'FRI, 04 JUL 2025 16:20:41 GMT', '2025-07-04T16:20:41.000Z'],
    ['a weekday that does not match the date', 'Mon, 04 Jul 2025 16:20:41 GMT', '2025-07-04T16:20:41.000Z'],
    ['one-digit time parts', 'Fri, 04 Jul 2025 6:2:1 GMT', '2025-07-04T06:02:01.000Z'],
    ['ISO 8601 still', '2025-07-04T16:20:41+02:00', '2025-07-04T14:20:41.000Z'],
  ] as const)('stores a payment whose bank_transaction_date has %s', async ([, sent, stored], { harness: h, tenant, postPayment }) => {
    const res = await postPayment(paymentBody(tenant.creditorId, theCase.id, { amount: 1, bank_transaction_date: sent }));
    expect(res.status).toBe(201);
    const row = await h.db.payment.findUniqueOrThrow({ where: { id: res.body._id } });
    expect(row.bankTransactionDate.toISOString()).toBe(stored);
    const item = await h.rest.get(`/creditor--payments/${res.body._id}`, { apiKey: tenant.apiKey });
    expect(item.body.bank_transaction_date).toBe(new Date(stored).toUTCString());
  });

  test.for([
    ['31 February', 'Fri, 31 Feb 2025 16:20:41 GMT'],
    ['a year before 1900', 'Fri, 04 Jul 1899 16:20:41 GMT'],
    ['hour 24', 'Fri, 04 Jul 2025 24:00:00 GMT'],
    ['a month name that is not one', 'Fri, 04 Jux 2025 16:20:41 GMT'],
    ['a three-digit day', 'Fri, 004 Jul 2025 16:20:41 GMT'],
    ['a time without a zone', '2025-07-04T16:20:41'],
  ] as const)('still refuses %s with 422, storing nothing', async ([, sent], { harness: h, tenant, postPayment }) => {
    const before = await h.counts();
    const res = await postPayment(paymentBody(tenant.creditorId, theCase.id, { amount: 1, bank_transaction_date: sent }));
    expect(res.status).toBe(422);
    expect(res.body._issues.bank_transaction_date).toMatch(/date/);
    expect(await h.counts()).toEqual(before);
  });

  test('one parser for both faces: the same forms and the same refusals', () => {
    expect(parseDate('Fri, 4 Jul 2025 16:20:41 GMT')?.toISOString()).toBe('2025-07-04T16:20:41.000Z');
    expect(parseDate('sat, 4 JUL 2025 16:20:41 GMT')?.toISOString()).toBe('2025-07-04T16:20:41.000Z');
    expect(parseDate('2025-07-04T23:59:59-14:00')?.toISOString()).toBe('2025-07-05T13:59:59.000Z');
    expect(parseDate('9999-12-31T23:59:59-14:00')).toBeNull(); // year 10000 as an instant
    expect(parseDate('2025-07-04T12:00:00+15:00')).toBeNull(); // no such offset
    expect(parseUpperBound('2025-07-04')?.toISOString()).toBe('2025-07-04T23:59:59.999Z');
    expect(parseUpperBound('2025-07-04T00:00:00Z')?.toISOString()).toBe('2025-07-04T00:00:00.000Z');
  });
});

describe('a date-only upper bound includes that whole day', () => {
  test('REST where $lte "2025-07-04", GraphQL bankTransactionDateTo "2025-07-04"', async ({ harness: h, tenant, postPayment }) => {
    const other = await tenant.openCase({ capital: '1000.00' });
    for (const date of ['2025-07-04T00:00:00Z', '2025-07-04T16:20:41Z', '2025-07-04T23:59:59Z', '2025-07-05T00:00:00Z']) {
      expect((await postPayment(paymentBody(tenant.creditorId, other.id, { amount: 1, bank_transaction_date: date }))).status).toBe(201);
    }
    const where = (w: object) => `/creditor--payments?where=${encodeURIComponent(JSON.stringify({ case: other.id, ...w }))}`;
    const upTo = await h.rest.get(where({ bank_transaction_date: { $lte: '2025-07-04' } }), { apiKey: tenant.apiKey });
    expect(upTo.status).toBe(200);
    expect(upTo.body._meta.total).toBe(3);
    // With a time it is that instant, as before.
    const upToMidnight = await h.rest.get(where({ bank_transaction_date: { $lte: '2025-07-04T00:00:00Z' } }), { apiKey: tenant.apiKey });
    expect(upToMidnight.body._meta.total).toBe(1);
    // $gt of a plain date is after that day; $gte from its start.
    expect((await h.rest.get(where({ bank_transaction_date: { $gt: '2025-07-04' } }), { apiKey: tenant.apiKey })).body._meta.total).toBe(1);
    expect((await h.rest.get(where({ bank_transaction_date: { $gte: '2025-07-04' } }), { apiKey: tenant.apiKey })).body._meta.total).toBe(4);

    const query = `query($to: DateTime) { payments(filter: { case: "${other.id}", bankTransactionDateTo: $to }) { totalCount } }`;
    const gql = await h.graphql(query, { to: '2025-07-04' }, { apiKey: tenant.apiKey });
    expect(gql.body.errors).toBeUndefined();
    expect((gql.body.data as { payments: { totalCount: number } }).payments.totalCount).toBe(3);
    const gqlInstant = await h.graphql(query, { to: '2025-07-04T16:20:41Z' }, { apiKey: tenant.apiKey });
    expect((gqlInstant.body.data as { payments: { totalCount: number } }).payments.totalCount).toBe(2);
  });
});
