import { REGISTER, seedExample } from '../graphql/operations.ts';
import { describe, expect, restTest as test } from '../support/fixtures.ts';
import { paymentBody } from '../support/rest.ts';

const PAYMENT_FIELDS = `
  id amount settledAmount settledCosts settledInterest settledCapital status statusReasonLocale
  bankTransactionDate clientRegistrationDate bookingDate creditorPaymentReference origin
  caseInvoiceNumber caseReferenceNumber createdAt updatedAt etag
  account { id } creditor { id } case { id state remainingTotal }
`;

const iso = (rfc1123: string) => new Date(rfc1123).toISOString();

/** What both faces must agree on, read from a REST document and a GraphQL payment. */
function expectSamePayment(rest: Record<string, any>, gql: Record<string, any>) {
  expect(gql.id).toBe(rest._id);
  expect(gql.account.id).toBe(rest.account);
  expect(gql.creditor.id).toBe(rest.creditor);
  expect(gql.case.id).toBe(rest.case);
  // Money: GraphQL's Decimal string and REST's JSON number name the same öre.
  expect(gql.amount).toBe(rest.amount.toFixed(2));
  expect(gql.settledAmount).toBe(rest.settled_amount.toFixed(2));
  expect(gql.settledCosts).toBe(rest.settled_costs.toFixed(2));
  expect(gql.settledInterest).toBe(rest.settled_interest.toFixed(2));
  expect(gql.settledCapital).toBe(rest.settled_capital.toFixed(2));
  expect(gql.status).toBe(rest.status.toUpperCase());
  expect(gql.statusReasonLocale).toBe(rest.status_reason_locale);
  expect(gql.creditorPaymentReference).toBe(rest.creditor_payment_reference);
  expect(gql.origin).toBe(rest.origin);
  expect(gql.caseInvoiceNumber).toBe(rest.case_invoice_number);
  expect(gql.caseReferenceNumber).toBe(rest.case_reference_number);
  expect(gql.etag).toBe(rest._etag);
  // REST's dates are whole seconds; the instants agree to the second.
  expect(iso(rest.bank_transaction_date)).toBe(new Date(Math.floor(Date.parse(gql.bankTransactionDate) / 1000) * 1000).toISOString());
  expect(iso(rest._created)).toBe(new Date(Math.floor(Date.parse(gql.createdAt) / 1000) * 1000).toISOString());
  expect(rest.booking_date === null).toBe(gql.bookingDate === null);
}

describe('one domain behind both faces', () => {
  test('returns a payment registered over REST from GraphQL with the same id, amounts and statuses', async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ costs: '60.00', capital: '100.00' });
    const created = await h.rest.post(
      '/creditor--payments',
      paymentBody(tenant.creditorId, theCase.id, { amount: 250, creditor_payment_reference: 'REST-1' }),
      { apiKey: tenant.apiKey },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ _payment_status: 'warning', settled_amount: 160 });

    const { status, body } = await h.graphql(
      `query ($id: ID!) { payment(id: $id) { ${PAYMENT_FIELDS} } }`,
      { id: created.body._id },
      { apiKey: tenant.apiKey },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const gql = body.data.payment;
    expect(gql).toMatchObject({
      id: created.body._id,
      amount: '250.00',
      settledAmount: '160.00',
      settledCosts: '60.00',
      settledInterest: '0.00',
      settledCapital: '100.00',
      status: 'WARNING',
      statusReasonLocale: 'creditor_payment.status_reason.overpayment',
      case: { id: theCase.id, state: 'PAID', remainingTotal: '0.00' },
    });
    const item = await h.rest.get(`/creditor--payments/${created.body._id}`, { apiKey: tenant.apiKey });
    expectSamePayment(item.body, gql);
  });

  test('returns a payment registered over GraphQL from REST with the same id, amounts and statuses', async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ costs: '180.00', interest: '35.50', capital: '2000.00' });
    const { body } = await h.graphql(
      REGISTER,
      {
        input: seedExample(tenant.creditorId, theCase.id, { amount: '200.00', bankTransactionDate: '2025-07-04T16:20:41Z', creditorPaymentReference: 'GQL-1' }),
      },
      { apiKey: tenant.apiKey },
    );
    expect(body.data.registerPayment.userErrors).toEqual([]);
    const gql = body.data.registerPayment.payment;

    const item = await h.rest.get(`/creditor--payments/${gql.id}`, { apiKey: tenant.apiKey });
    expect(item.status).toBe(200);
    expect(item.body).toMatchObject({
      _id: gql.id,
      amount: 200,
      settled_amount: 200,
      settled_costs: 180,
      settled_interest: 20,
      settled_capital: 0,
      status: 'completed',
      status_reason_locale: null,
      bank_transaction_date: 'Fri, 04 Jul 2025 16:20:41 GMT',
      creditor_payment_reference: 'GQL-1',
    });
    expectSamePayment(item.body, gql);
    const list = await h.rest.get('/creditor--payments?max_results=1', { apiKey: tenant.apiKey });
    // A list item is the item without the item GET's parent and collection links (as Eve writes them).
    expect(list.body._items[0]).toEqual({ ...item.body, _links: { self: item.body._links.self } });
    const c = await h.rest.get(`/cases/${theCase.id}`, { apiKey: tenant.apiKey });
    expect(c.body).toMatchObject({ remaining_costs: 0, remaining_interest: 15.5, remaining_capital: 2000, remaining_total: 2015.5 });
  });

  test('treats a REST retry of a GraphQL registration as a replay (one idempotency for both faces)', async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const { body } = await h.graphql(
      REGISTER,
      // The seed's bank transaction date, Fri, 04 Jul 2025 16:20:41 GMT.
      { input: seedExample(tenant.creditorId, theCase.id, { amount: 75.5, creditorPaymentReference: 'BOTH-1' }) },
      { apiKey: tenant.apiKey },
    );
    const gqlId = body.data.registerPayment.payment.id;
    const before = await h.counts();
    const retry = await h.rest.post(
      '/creditor--payments',
      paymentBody(tenant.creditorId, theCase.id, { amount: 75.5, bank_transaction_date: '2025-07-04T16:20:41Z', creditor_payment_reference: 'BOTH-1' }),
      { apiKey: tenant.apiKey },
    );
    expect(retry.status).toBe(200);
    expect(retry.body._id).toBe(gqlId);
    expect(await h.counts()).toEqual(before);
  });
});
