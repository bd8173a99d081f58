import { REGISTER } from '../graphql/operations.ts';
import { describe, expect, restTest as test } from '../support/fixtures.ts';
import { paymentBody, seedExample } from '../support/registration.ts';

const PAYMENTS = '/creditor--payments';

describe('every failure of a registration together (REST and GraphQL)', () => {
  test('a reference conflict is reported beside the other failures, and nothing is stored', async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    const stored = await h.rest.post(PAYMENTS, paymentBody(tenant.creditorId, c.id, { creditor_payment_reference: 'TOGETHER-1', amount: 10 }), {
      apiKey: tenant.apiKey,
    });
    expect(stored.status).toBe(201);
    const before = await h.counts();

    const rest = await h.rest.post(PAYMENTS, paymentBody(tenant.creditorId, c.id, { creditor_payment_reference: 'TOGETHER-1', amount: -5, origin: 'x' }), {
      apiKey: tenant.apiKey,
    });
    expect(rest.status).toBe(422);
    expect(rest.body).toEqual({
      _status: 'ERR',
      _error: { code: 422, message: 'Insertion failure: 1 document(s) contain(s) error(s)' },
      _issues: {
        amount: 'amount must be greater than 0',
        origin: 'origin must be "creditor_system"',
        creditor_payment_reference: `creditor_payment_reference was already used for payment ${stored.body._id} with different content`,
      },
    });
    // A conflict alone is still 409.
    const alone = await h.rest.post(PAYMENTS, paymentBody(tenant.creditorId, c.id, { creditor_payment_reference: 'TOGETHER-1', amount: 11 }), {
      apiKey: tenant.apiKey,
    });
    expect(alone.status).toBe(409);

    const graphql = await h.graphql(
      REGISTER,
      { input: seedExample(tenant.creditorId, c.id, { creditorPaymentReference: 'TOGETHER-1', amount: '0', bankTransactionDate: '2999-01-01T00:00:00Z' }) },
      { apiKey: tenant.apiKey },
    );
    expect(graphql.body.data.registerPayment.userErrors.map((e: { field: string[]; code: string }) => [e.field.join('.'), e.code])).toEqual([
      ['input.amount', 'INVALID'],
      ['input.bankTransactionDate', 'INVALID'],
      ['input.creditorPaymentReference', 'CONFLICT'],
    ]);
    // The same for a key: an Idempotency-Key used before, beside an unknown case.
    const keyed = await h.rest.post(PAYMENTS, paymentBody(tenant.creditorId, c.id, { amount: 1 }), {
      apiKey: tenant.apiKey,
      headers: { 'idempotency-key': 'TK-1' },
    });
    expect(keyed.status).toBe(201);
    const keyedAgain = await h.rest.post(PAYMENTS, paymentBody(tenant.creditorId, 'a'.repeat(24), { amount: 1 }), {
      apiKey: tenant.apiKey,
      headers: { 'idempotency-key': 'TK-1' },
    });
    expect(keyedAgain.status).toBe(422);
    expect(keyedAgain.body._issues).toEqual({
      case: `case ${'a'.repeat(24)} not found`,
      'Idempotency-Key': `Idempotency-Key was already used for payment ${keyed.body._id} with different content`,
    });
    expect(await h.counts()).toEqual({ ...before, payments: before.payments + 1 });
  });

  test('a currency that differs from the case is reported beside other failures, not after they are fixed', async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    // SEK is the only currency; a case in another is what a migration could have left.
    await h.db.case.update({ where: { id: c.id }, data: { currency: 'NOK' } });
    const res = await h.rest.post(PAYMENTS, paymentBody(tenant.creditorId, c.id, { amount: 'x' }), { apiKey: tenant.apiKey });
    expect(res.status).toBe(422);
    expect(res.body._issues).toEqual({ amount: 'amount must be a decimal number, like 100.50', currency: "currency SEK differs from the case's currency NOK" });
  });

  test('a field never gets a second message from a lookup made with a value already refused', async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    const other = await h.createTenant('Other together');
    const theirs = await other.openCase({ capital: '5.00' });
    const storedByThem = await h.rest.post(PAYMENTS, paymentBody(other.creditorId, theirs.id, { creditor_payment_reference: 'THEIRS-1', amount: 1 }), {
      apiKey: other.apiKey,
    });
    expect(storedByThem.status).toBe(201);
    const before = await h.counts();
    const issuesOf = async (body: Record<string, unknown>) => {
      const res = await h.rest.post(PAYMENTS, body, { apiKey: tenant.apiKey });
      expect(res.status).toBe(422);
      return res.body._issues;
    };
    // A malformed case id: its own message, no "not found" from a lookup, none for the invoice number it was sent beside.
    expect(await issuesOf(paymentBody(tenant.creditorId, 'nope', { invoice_number: c.invoiceNumber }))).toEqual({
      case: 'case nope not found',
      invoice_number: 'send either case or invoice_number, not both',
    });
    // An invoice number over its length: refused for that only, not also "no case has invoice number".
    expect(await issuesOf({ ...paymentBody(tenant.creditorId, c.id), case: undefined, invoice_number: 'I'.repeat(101) })).toEqual({
      invoice_number: 'invoice_number must be at most 100 characters',
    });
    // A malformed creditor: no lookup of the case (which would say it belongs to another creditor) or of the reference.
    expect(await issuesOf(paymentBody('c!', c.id, { creditor_payment_reference: 'TOGETHER-X' }))).toEqual({ creditor: 'creditor c! not found' });
    // A reference over its length is not looked up either.
    expect(await issuesOf(paymentBody(tenant.creditorId, c.id, { creditor_payment_reference: 'R'.repeat(101), amount: 0 }))).toEqual({
      amount: 'amount must be greater than 0',
      creditor_payment_reference: 'creditor_payment_reference must be at most 100 characters',
    });
    // Another account's creditor is not found; its references are not looked at (no conflict with their payment).
    expect(await issuesOf(paymentBody(other.creditorId, c.id, { creditor_payment_reference: 'THEIRS-1', amount: 0 }))).toEqual({
      creditor: `creditor ${other.creditorId} not found`,
      amount: 'amount must be greater than 0',
    });
    const graphql = await h.graphql(
      REGISTER,
      { input: seedExample(tenant.creditorId, 'nope', { creditorPaymentReference: 'G-1' }) },
      { apiKey: tenant.apiKey },
    );
    expect(graphql.body.data.registerPayment.userErrors).toEqual([{ field: ['input', 'case'], code: 'NOT_FOUND', message: 'case nope not found' }]);
    expect(await h.counts()).toEqual(before);
  });
});
