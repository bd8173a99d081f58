import { closeCase } from '../../src/domain/cases.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';
import type { Harness } from '../support/harness.ts';
import { SETTLEMENT_EXAMPLES } from '../support/registration.ts';
import { paymentBody } from '../support/rest.ts';

const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

const test = restTest.override('tenantName', 'Register');

describe('POST /creditor--payments', () => {
  test("takes the seed's example request verbatim and answers 201 with every response field in the seed's formats", async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ costs: '180.00', interest: '35.50', capital: '2000.00' });
    // The seed's text as written (amount 100.0), only the ids swapped for ones that exist.
    const seedText = `{
"account": "${tenant.accountId}",
"creditor": "${tenant.creditorId}",
"case": "${theCase.id}",
"currency": "SEK",
"amount": 100.0,
"bank_transaction_date": "Fri, 04 Jul 2025 16:20:41 GMT",
"creditor_payment_reference": "PAY-REF-001",
"origin": "creditor_system"
}`;
    const before = await h.counts();
    const res = await h.rest.post('/creditor--payments', seedText, { apiKey: tenant.apiKey });

    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        '_created',
        '_etag',
        '_id',
        '_links',
        '_payment_status',
        '_status',
        '_updated',
        'booking_date',
        'case_invoice_number',
        'case_reference_number',
        'settled_amount',
        'status',
        'status_reason_locale',
      ].sort(),
    );
    expect(res.body._id).toMatch(/^[0-9a-f]{24}$/);
    expect(res.body._etag).toMatch(/^[0-9a-f]{40}$/);
    expect(res.body._created).toMatch(RFC1123);
    expect(res.body._updated).toBe(res.body._created);
    expect(res.body.booking_date).toMatch(RFC1123);
    expect(res.body).toMatchObject({
      _status: 'OK',
      _payment_status: 'completed',
      status: 'completed',
      status_reason_locale: null,
      settled_amount: 100,
      case_invoice_number: theCase.invoiceNumber,
      case_reference_number: theCase.referenceNumber,
    });
    expect(res.headers.location).toBe(`/creditor--payments/${res.body._id}`);
    expect(await h.counts()).toEqual({ ...before, payments: before.payments + 1 });

    // Applied costs first: 180.00 - 100.00 = 80.00 costs left, the rest untouched.
    const item = await h.rest.get(`/creditor--payments/${res.body._id}`, { apiKey: tenant.apiKey });
    expect(item.body).toMatchObject({
      account: tenant.accountId,
      creditor: tenant.creditorId,
      case: theCase.id,
      amount: 100,
      settled_costs: 100,
      settled_interest: 0,
      settled_capital: 0,
      bank_transaction_date: 'Fri, 04 Jul 2025 16:20:41 GMT',
      creditor_payment_reference: 'PAY-REF-001',
      origin: 'creditor_system',
      file_import_report: null,
    });
    const after = await h.rest.get(`/cases/${theCase.id}`, { apiKey: tenant.apiKey });
    expect(after.body).toMatchObject({ remaining_costs: 80, remaining_interest: 35.5, remaining_capital: 2000, remaining_total: 2115.5, state: 'OPEN' });
  });

  test('answers a replay with 200 and the original body, storing nothing and applying nothing again', async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const body = paymentBody(tenant.creditorId, theCase.id, { amount: 120.5, creditor_payment_reference: 'REPLAY-1' });
    const first = await h.rest.post('/creditor--payments', body, { apiKey: tenant.apiKey });
    expect(first.status).toBe(201);
    const before = await h.counts();

    const again = await h.rest.post('/creditor--payments', body, { apiKey: tenant.apiKey });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.location).toBe(`/creditor--payments/${first.body._id}`);
    expect(await h.counts()).toEqual(before);
    const after = await h.rest.get(`/cases/${theCase.id}`, { apiKey: tenant.apiKey });
    expect(after.body.remaining_capital).toBe(379.5);
  });

  test('answers 409 to a reused reference with other content, storing nothing', async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const body = paymentBody(tenant.creditorId, theCase.id, { creditor_payment_reference: 'CONFLICT-1' });
    expect((await h.rest.post('/creditor--payments', body, { apiKey: tenant.apiKey })).status).toBe(201);
    const before = await h.counts();

    const res = await h.rest.post('/creditor--payments', { ...body, amount: 101 }, { apiKey: tenant.apiKey });
    expect(res.status).toBe(409);
    expect(res.body._status).toBe('ERR');
    expect(res.body._error.code).toBe(409);
    expect(res.body._error.message).toMatch(/^creditor_payment_reference was already used for payment [0-9a-f]{24} with different content$/);
    expect(Object.keys(res.body._issues)).toEqual(['creditor_payment_reference']);
    expect(await h.counts()).toEqual(before);
    expect((await h.rest.get(`/cases/${theCase.id}`, { apiKey: tenant.apiKey })).body.remaining_capital).toBe(400);
  });

  test('makes a registration without a reference idempotent with the Idempotency-Key header', async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const body = paymentBody(tenant.creditorId, theCase.id, { amount: 50 });
    const headers = { 'idempotency-key': 'retry-7f1c' };
    const first = await h.rest.post('/creditor--payments', body, { apiKey: tenant.apiKey, headers });
    expect(first.status).toBe(201);
    const before = await h.counts();

    const again = await h.rest.post('/creditor--payments', body, { apiKey: tenant.apiKey, headers });
    expect(again.status).toBe(200);
    expect(again.body._id).toBe(first.body._id);

    const other = await h.rest.post('/creditor--payments', { ...body, amount: 60 }, { apiKey: tenant.apiKey, headers });
    expect(other.status).toBe(409);
    expect(Object.keys(other.body._issues)).toEqual(['Idempotency-Key']);
    expect(await h.counts()).toEqual(before);

    // Without the header the same body is a new payment.
    const fresh = await h.rest.post('/creditor--payments', body, { apiKey: tenant.apiKey });
    expect(fresh.status).toBe(201);
    expect(fresh.body._id).not.toBe(first.body._id);
  });

  test('resolves the case from invoice_number', async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ capital: '300.00' });
    const { case: _omitted, ...body } = paymentBody(tenant.creditorId, theCase.id, { amount: 300 });
    const res = await h.rest.post('/creditor--payments', { ...body, invoice_number: theCase.invoiceNumber }, { apiKey: tenant.apiKey });
    expect(res.status).toBe(201);
    expect(res.body.case_invoice_number).toBe(theCase.invoiceNumber);
    const item = await h.rest.get(`/creditor--payments/${res.body._id}`, { apiKey: tenant.apiKey });
    expect(item.body.case).toBe(theCase.id);
    expect((await h.rest.get(`/cases/${theCase.id}`, { apiKey: tenant.apiKey })).body.state).toBe('PAID');
  });

  // The contract's settlement examples, as a REST client sees them: JSON numbers, lower-case statuses.
  test.for(SETTLEMENT_EXAMPLES)('settles $name and reports it in the seed fields', async (example, { harness: h, tenant }) => {
    const [costs, interest, capital] = example.before;
    const theCase = await tenant.openCase({ costs, interest, capital });
    if (example.state === 'CLOSED') await closeCase(h.db, theCase.id);
    const amount = Number(example.amount);
    const res = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, theCase.id, { amount }), { apiKey: tenant.apiKey });
    expect(res.status).toBe(201);
    const status = example.status.toLowerCase();
    expect(res.body).toMatchObject({
      _payment_status: status,
      status,
      status_reason_locale: example.reason,
      settled_amount: Number(example.settledAmount),
    });
    if (example.settledAmount === '0.00') expect(res.body.booking_date).toBeNull();
    else expect(res.body.booking_date).toMatch(RFC1123);

    const item = await h.rest.get(`/creditor--payments/${res.body._id}`, { apiKey: tenant.apiKey });
    expect([item.body.settled_costs, item.body.settled_interest, item.body.settled_capital]).toEqual(example.settled.map(Number));
    expect(item.body.amount).toBe(amount);
    const c = (await h.rest.get(`/cases/${theCase.id}`, { apiKey: tenant.apiKey })).body;
    expect([c.remaining_costs, c.remaining_interest, c.remaining_capital, c.state]).toEqual([...example.after.map(Number), example.stateAfter]);
  });

  test('keeps öre exact through JSON numbers', async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ capital: '1000000000.00' });
    const res = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, theCase.id, { amount: 999999999.99 }), { apiKey: tenant.apiKey });
    expect(res.status).toBe(201);
    expect(res.text).toContain('"settled_amount":999999999.99');
    const c = await h.rest.get(`/cases/${theCase.id}`, { apiKey: tenant.apiKey });
    expect(c.text).toContain('"remaining_capital":0.01');
  });
});

describe('one way through a registration', () => {
  const statementsOf = async (h: Harness, send: () => Promise<unknown>) => {
    const before = h.queries.length;
    await send();
    return h.queries.length - before;
  };
  const REGISTER = `mutation ($input: RegisterPaymentInput!) { registerPayment(input: $input) { replayed userErrors { message } payment { id } } }`;

  test("answers with the case the registration used: as many statements as GraphQL's registerPayment, first time and replay", async ({
    harness: h,
    tenant,
  }) => {
    const [a, b] = [await tenant.openCase({ capital: '500.00' }), await tenant.openCase({ capital: '500.00' })];
    const rest = () =>
      h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, a.id, { creditor_payment_reference: 'ONE-WAY-R' }), { apiKey: tenant.apiKey });
    const input = {
      creditor: tenant.creditorId,
      case: b.id,
      currency: 'SEK',
      amount: '100',
      bankTransactionDate: '2025-07-04T16:20:41Z',
      origin: 'creditor_system',
      creditorPaymentReference: 'ONE-WAY-G',
    };
    const graphql = () => h.graphql(REGISTER, { input }, { apiKey: tenant.apiKey });
    const counts = {
      rest: [await statementsOf(h, rest), await statementsOf(h, rest)],
      graphql: [await statementsOf(h, graphql), await statementsOf(h, graphql)],
    };
    expect(counts.rest).toEqual(counts.graphql);
    const replay = await rest();
    expect(replay.status).toBe(200);
    expect([replay.body.case_invoice_number, replay.body.case_reference_number]).toEqual([a.invoiceNumber, a.referenceNumber]);
  });

  test("names fields the REST way in its messages, and repeats the client's own text as sent", async ({ harness: h, tenant }) => {
    const res = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, '', { case: undefined, invoice_number: 'creditorPaymentReference' }), {
      apiKey: tenant.apiKey,
    });
    expect(res.status).toBe(422);
    expect(res.body._issues).toEqual({ invoice_number: `no case of creditor ${tenant.creditorId} has invoice number creditorPaymentReference` });
    const both = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, 'x', { invoice_number: 'INV', amount: undefined }), {
      apiKey: tenant.apiKey,
    });
    expect(both.body._issues).toEqual({
      case: 'case x not found',
      // A refused invoice_number is not looked up: no second message.
      invoice_number: 'send either case or invoice_number, not both',
      amount: 'amount is required',
    });
  });
});
