import { test as base, describe, expect } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';
import { SETTLEMENT_EXAMPLES } from '../support/registration.ts';
import { CASE, REGISTER, seedExample } from './operations.ts';

let refCounter = 0;
const nextRef = () => `REF-${++refCounter}`;

const test = base
  .override('tenantName', 'Acme')
  .extend(
    'register',
    ({ harness: h, tenant }) =>
      async (input: Record<string, unknown>, options: { apiKey?: string; headers?: Record<string, string> } = {}) => {
        const response = await h.graphql(REGISTER, { input }, { apiKey: options.apiKey ?? tenant.apiKey, headers: options.headers });
        expect(response.status).toBe(200);
        expect(response.body.errors).toBeUndefined();
        return response.body.data.registerPayment;
      },
  );

describe('registerPayment: the seed example', () => {
  test('is COMPLETED, settles 100.00, projects the case numbers and lowers the case by exactly 100.00', async ({ harness: h, tenant, register }) => {
    const theCase = await tenant.openCase({ capital: '1500.00', costs: '12.34', interest: '0.66' });
    const result = await register(seedExample(tenant.creditorId, theCase.id));
    expect(result.userErrors).toEqual([]);
    expect(result.replayed).toBe(false);
    const p = result.payment;
    expect(p.id).toMatch(/^[0-9a-f]{24}$/);
    expect(p.status).toBe('COMPLETED');
    expect(p.statusReasonLocale).toBeNull();
    expect(p.amount).toBe('100.00');
    expect(p.settledAmount).toBe('100.00');
    expect([p.settledCosts, p.settledInterest, p.settledCapital]).toEqual(['12.34', '0.66', '87.00']);
    expect(p.caseInvoiceNumber).toBe(theCase.invoiceNumber);
    expect(p.caseReferenceNumber).toBe(theCase.referenceNumber);
    expect(p.bankTransactionDate).toBe('2025-07-04T16:20:41.000Z');
    expect(p.bookingDate).not.toBeNull();
    expect(p.etag).toMatch(/^[0-9a-f]{40}$/);
    expect(p.case).toMatchObject({ state: 'OPEN', remainingTotal: '1413.00', remainingCosts: '0.00', remainingInterest: '0.00', remainingCapital: '1413.00' });

    const stored = await h.db.payment.findUniqueOrThrow({ where: { id: p.id } });
    expect(stored.amount).toBe(10000n);
    expect(stored.settledCapital).toBe(8700n);
  });
});

describe('registerPayment: settlement (the contract examples)', () => {
  test.for(SETTLEMENT_EXAMPLES)('$name: $state case paying $amount is $status', async (ex, { harness: h, tenant, register }) => {
    const theCase = await tenant.openCase({ costs: ex.before[0], interest: ex.before[1], capital: ex.before[2] });
    if (ex.state === 'CLOSED') await h.db.case.update({ where: { id: theCase.id }, data: { state: 'CLOSED' } });
    const result = await register(seedExample(tenant.creditorId, theCase.id, { amount: ex.amount, creditorPaymentReference: nextRef() }));
    expect(result.userErrors).toEqual([]);
    const p = result.payment;
    expect([p.settledCosts, p.settledInterest, p.settledCapital]).toEqual(ex.settled);
    expect(p.settledAmount).toBe(ex.settledAmount);
    expect(p.amount).toBe(ex.amount);
    expect(p.status).toBe(ex.status);
    expect(p.statusReasonLocale).toBe(ex.reason);
    expect(p.bookingDate === null).toBe(ex.settledAmount === '0.00');
    expect([p.case.remainingCosts, p.case.remainingInterest, p.case.remainingCapital]).toEqual(ex.after);
    expect(p.case.state).toBe(ex.stateAfter);
    // The payment is in the ledger in every case.
    expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(1);
  });

  test('finds the case by invoiceNumber together with the creditor', async ({ tenant, register }) => {
    const theCase = await tenant.openCase({ capital: '50.00' });
    const input = seedExample(tenant.creditorId, theCase.id, {
      case: undefined,
      invoiceNumber: theCase.invoiceNumber,
      amount: '50',
      creditorPaymentReference: nextRef(),
    });
    const result = await register(input);
    expect(result.userErrors).toEqual([]);
    expect(result.payment.case).toMatchObject({ id: theCase.id, state: 'PAID', remainingTotal: '0.00' });
  });

  test('defaults clientRegistrationDate to now and keeps a given one', async ({ tenant, register }) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const before = Date.now();
    const defaulted = await register(seedExample(tenant.creditorId, theCase.id, { creditorPaymentReference: nextRef() }));
    expect(Date.parse(defaulted.payment.clientRegistrationDate)).toBeGreaterThanOrEqual(before - 1000);
    const given = await register(
      seedExample(tenant.creditorId, theCase.id, { creditorPaymentReference: nextRef(), clientRegistrationDate: '2025-07-05T08:00:00+02:00' }),
    );
    expect(given.payment.clientRegistrationDate).toBe('2025-07-05T06:00:00.000Z');
  });
});

describe('registerPayment: validation (nothing is stored)', () => {
  let caseId: string;
  let otherCreditorCase: string;
  let otherTenantCase: { id: string; invoiceNumber: string };
  let otherTenant: Tenant;
  let creditorId: string;
  test.beforeAll(async ({ harness: h, tenant }) => {
    creditorId = tenant.creditorId;
    caseId = (await tenant.openCase({ capital: '1000.00' })).id;
    const second = await h.db.creditor.create({ data: { id: 'a0a0a0a0a0a0a0a0a0a0a0a0', accountId: tenant.accountId, name: 'Second creditor' } });
    otherCreditorCase = (
      await h.db.case.create({
        data: {
          id: 'b0b0b0b0b0b0b0b0b0b0b0b0',
          accountId: tenant.accountId,
          creditorId: second.id,
          invoiceNumber: 'X-1',
          referenceNumber: 'R-X-1',
          currency: 'SEK',
          state: 'OPEN',
          remainingCosts: 0n,
          remainingInterest: 0n,
          remainingCapital: 100n,
        },
      })
    ).id;
    otherTenant = await h.createTenant('Other');
    otherTenantCase = await otherTenant.openCase({ capital: '100.00' });
  });

  // What is refused: the input (most are the seed's example with one change), and the field and code reported.
  const changed = (changes: Record<string, unknown>) => () => seedExample(creditorId, caseId, changes);
  const cases: Array<[what: string, input: () => Record<string, unknown>, field: string, code: string]> = [
    ['an unknown creditor', () => seedExample('ffffffffffffffffffffffff', caseId), 'creditor', 'NOT_FOUND'],
    ["another account's creditor", () => seedExample(otherTenant.creditorId, otherTenantCase.id), 'creditor', 'NOT_FOUND'],
    ['a malformed creditor id', () => seedExample('nope', caseId), 'creditor', 'NOT_FOUND'],
    ['neither case nor invoiceNumber', changed({ case: undefined }), 'case', 'REQUIRED'],
    ['both case and invoiceNumber', changed({ invoiceNumber: 'INV-1' }), 'invoiceNumber', 'INVALID'],
    ['an unknown case', () => seedExample(creditorId, 'cccccccccccccccccccccccc'), 'case', 'NOT_FOUND'],
    ["another account's case", () => seedExample(creditorId, otherTenantCase.id), 'case', 'NOT_FOUND'],
    ['a case of another creditor', () => seedExample(creditorId, otherCreditorCase), 'case', 'INVALID'],
    ['an unknown invoiceNumber', changed({ case: undefined, invoiceNumber: 'NO-SUCH' }), 'invoiceNumber', 'NOT_FOUND'],
    ["another creditor's invoiceNumber", changed({ case: undefined, invoiceNumber: 'X-1' }), 'invoiceNumber', 'NOT_FOUND'],
    ['amount 0', changed({ amount: 0 }), 'amount', 'INVALID'],
    ['a negative amount', changed({ amount: '-5.00' }), 'amount', 'INVALID'],
    ['three decimals', changed({ amount: '10.005' }), 'amount', 'INVALID'],
    ['more than 1,000,000,000.00', changed({ amount: '1000000000.01' }), 'amount', 'INVALID'],
    ['an amount that is no number', changed({ amount: 'ten' }), 'amount', 'INVALID'],
    ['a malformed bankTransactionDate', changed({ bankTransactionDate: '04/07/2025' }), 'bankTransactionDate', 'INVALID'],
    ['a future bankTransactionDate', changed({ bankTransactionDate: new Date(Date.now() + 86_400_000).toUTCString() }), 'bankTransactionDate', 'INVALID'],
    ['a malformed clientRegistrationDate', changed({ clientRegistrationDate: '2025-02-30' }), 'clientRegistrationDate', 'INVALID'],
    // An offset that carries the instant out of range would store a date no page can print back.
    ['a clientRegistrationDate past 9999 by its offset', changed({ clientRegistrationDate: '9999-12-31T23:59:59-14:00' }), 'clientRegistrationDate', 'INVALID'],
    ['a bankTransactionDate before 1900 by its offset', changed({ bankTransactionDate: '1900-01-01T00:00:00+14:00' }), 'bankTransactionDate', 'INVALID'],
    ['an offset with 99 minutes', changed({ clientRegistrationDate: '2025-07-04T16:20:41-00:99' }), 'clientRegistrationDate', 'INVALID'],
    ['a reference over 100 characters', changed({ creditorPaymentReference: 'x'.repeat(101) }), 'creditorPaymentReference', 'INVALID'],
    ['another origin', changed({ origin: 'debtor_portal' }), 'origin', 'INVALID'],
  ];
  test.for(cases)('refuses %s', async ([what, input, field, code], { harness: h, register }) => {
    const before = await h.counts();
    const casesBefore = await h.db.case.findMany({ orderBy: { id: 'asc' } });
    // A fresh reference unless the case is about it: the seed's was stored above, and its conflict would be reported beside.
    const sent = input();
    const result = await register({ ...sent, creditorPaymentReference: what.startsWith('a reference') ? sent.creditorPaymentReference : nextRef() });
    expect(result.payment).toBeNull();
    expect(result.userErrors.map((e: { field: string[]; code: string }) => ({ field: e.field, code: e.code }))).toEqual([{ field: ['input', field], code }]);
    for (const e of result.userErrors) expect(e.message).toMatch(new RegExp(field.replace(/([A-Z])/g, '.?$1'), 'i'));
    expect(await h.counts()).toEqual(before);
    expect(await h.db.case.findMany({ orderBy: { id: 'asc' } })).toEqual(casesBefore);
  });

  test("keeps the account's lists readable after an attempt with an out-of-range date", async ({ harness: h, tenant, register }) => {
    await register(seedExample(tenant.creditorId, caseId, { clientRegistrationDate: '9999-12-31T23:59:59-14:00', creditorPaymentReference: nextRef() }));
    const page = await h.graphql(
      '{ payments(first: 100) { edges { node { id clientRegistrationDate bankTransactionDate } } } }',
      {},
      { apiKey: tenant.apiKey },
    );
    expect(page.body.errors).toBeUndefined();
    expect(page.body.data.payments.edges.every((e: { node: { clientRegistrationDate: string } }) => e.node.clientRegistrationDate < '9999')).toBe(true);
  });

  test('reports every failure of one request together', async ({ harness: h, tenant, register }) => {
    const before = await h.counts();
    const result = await register(
      seedExample(tenant.creditorId, caseId, { amount: '0.001', bankTransactionDate: 'yesterday', origin: 'x', creditorPaymentReference: 'y'.repeat(200) }),
    );
    expect(result.userErrors.map((e: { field: string[] }) => e.field[1]).sort()).toEqual([
      'amount',
      'bankTransactionDate',
      'creditorPaymentReference',
      'origin',
    ]);
    expect(await h.counts()).toEqual(before);
  });

  test('refuses a currency other than SEK at the schema (the Currency enum) and stores nothing', async ({ harness: h, tenant }) => {
    const before = await h.counts();
    const response = await h.graphql(REGISTER, { input: seedExample(tenant.creditorId, caseId, { currency: 'EUR' }) }, { apiKey: tenant.apiKey });
    expect(response.body.errors?.[0]?.message).toMatch(/currency/);
    expect(await h.counts()).toEqual(before);
  });

  test('refuses a missing required field at the schema, naming it', async ({ harness: h, tenant }) => {
    const { origin: _origin, ...withoutOrigin } = seedExample(tenant.creditorId, caseId);
    const response = await h.graphql(REGISTER, { input: withoutOrigin }, { apiKey: tenant.apiKey });
    expect(response.body.errors?.[0]?.message).toMatch(/origin/);
  });
});

describe('registerPayment: replays and conflicts', () => {
  test('returns the same payment, replayed, for the same reference and content, and changes nothing', async ({ harness: h, tenant, register }) => {
    const theCase = await tenant.openCase({ capital: '1000.00' });
    const input = seedExample(tenant.creditorId, theCase.id, { creditorPaymentReference: nextRef(), amount: '120.00' });
    const first = await register(input);
    const before = await h.counts();
    // Naming the case by its invoice number is the same registration.
    const again = await register({ ...input, case: undefined, invoiceNumber: theCase.invoiceNumber });
    expect(again.replayed).toBe(true);
    expect(again.payment.id).toBe(first.payment.id);
    expect(again.payment.case.remainingTotal).toBe('880.00');
    expect(await h.counts()).toEqual(before);
  });

  test('is a CONFLICT when the reference comes back with another amount', async ({ harness: h, tenant, register }) => {
    const theCase = await tenant.openCase({ capital: '1000.00' });
    const input = seedExample(tenant.creditorId, theCase.id, { creditorPaymentReference: nextRef() });
    await register(input);
    const before = await h.counts();
    const result = await register({ ...input, amount: '99.00' });
    expect(result.payment).toBeNull();
    expect(result.userErrors).toEqual([expect.objectContaining({ field: ['input', 'creditorPaymentReference'], code: 'CONFLICT' })]);
    expect(await h.counts()).toEqual(before);
    const after = await h.graphql(CASE, { id: theCase.id }, { apiKey: tenant.apiKey });
    expect(after.body.data.case.remainingTotal).toBe('900.00');
  });

  test('makes a registration without a reference idempotent by the Idempotency-Key header', async ({ harness: h, tenant, register }) => {
    const theCase = await tenant.openCase({ capital: '1000.00' });
    const input = seedExample(tenant.creditorId, theCase.id, { creditorPaymentReference: undefined, amount: '10.00' });
    const key = `key-${Date.now()}`;
    const first = await register(input, { headers: { 'idempotency-key': key } });
    const before = await h.counts();
    const again = await register(input, { headers: { 'idempotency-key': key } });
    expect(again).toMatchObject({ replayed: true, payment: { id: first.payment.id } });
    const conflict = await register({ ...input, amount: '11.00' }, { headers: { 'idempotency-key': key } });
    expect(conflict.userErrors).toEqual([expect.objectContaining({ field: ['Idempotency-Key'], code: 'CONFLICT' })]);
    expect(await h.counts()).toEqual(before);
    // Without the header, the same content is a new payment.
    const unkeyed = await register(input);
    expect(unkeyed.payment.id).not.toBe(first.payment.id);
  });
});
