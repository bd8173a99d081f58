import { openCase } from '../../src/domain/cases.ts';
import { createCreditor } from '../../src/domain/creditors.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';
import { paymentBody } from '../support/rest.ts';

const test = restTest.override('tenantName', 'Validation');

let creditorId: string;
let other: Tenant;
let caseId: string;
let invoiceNumber: string;
let secondCreditorCaseId: string;
let eurCaseId: string;

test.beforeAll(async ({ harness: h, tenant }) => {
  creditorId = tenant.creditorId;
  other = await h.createTenant('Other');
  const theCase = await tenant.openCase({ capital: '1000.00' });
  caseId = theCase.id;
  invoiceNumber = theCase.invoiceNumber;
  const secondCreditor = await createCreditor(h.db, tenant.accountId, 'Second Creditor AB');
  secondCreditorCaseId = (await openCase(h.db, { creditorId: secondCreditor.id, invoiceNumber: 'SECOND-1', referenceNumber: 'R-S1', capital: '10.00' })).id;
  eurCaseId = (await tenant.openCase({ capital: '10.00', currency: 'EUR' })).id;
});

const valid = () => paymentBody(creditorId, caseId);
const without = (field: string) => {
  const body: Record<string, unknown> = valid();
  delete body[field];
  return body;
};
const inOneHour = () => new Date(Date.now() + 60 * 60_000).toUTCString();

describe('POST /creditor--payments validation: 422 with the field in _issues, nothing stored', () => {
  const cases: Array<{ rule: string; body: () => Record<string, unknown>; field: string; headers?: Record<string, string>; message?: RegExp }> = [
    { rule: 'creditor is required', body: () => without('creditor'), field: 'creditor', message: /^creditor is required$/ },
    { rule: "creditor must be the caller's", body: () => ({ ...valid(), creditor: other.creditorId }), field: 'creditor', message: /not found/ },
    { rule: 'a malformed creditor id is not found', body: () => ({ ...valid(), creditor: 'nope' }), field: 'creditor', message: /not found/ },
    { rule: 'case or invoice_number is required', body: () => without('case'), field: 'case', message: /^case or invoice_number is required$/ },
    {
      rule: 'not both case and invoice_number',
      body: () => ({ ...valid(), invoice_number: invoiceNumber }),
      field: 'invoice_number',
      message: /either case or invoice_number/,
    },
    { rule: 'the case must exist', body: () => ({ ...valid(), case: 'ffffffffffffffffffffffff' }), field: 'case', message: /not found/ },
    { rule: 'the case must be the creditor’s', body: () => ({ ...valid(), case: secondCreditorCaseId }), field: 'case' },
    {
      rule: 'invoice_number must name a case of the creditor',
      body: () => {
        const { case: _c, ...rest } = valid();
        return { ...rest, invoice_number: 'NO-SUCH-INVOICE' };
      },
      field: 'invoice_number',
    },
    { rule: 'currency is required', body: () => without('currency'), field: 'currency' },
    { rule: 'only SEK', body: () => ({ ...valid(), currency: 'EUR' }), field: 'currency', message: /only SEK/ },
    { rule: "currency must be the case's", body: () => ({ ...valid(), case: eurCaseId }), field: 'currency', message: /differs/ },
    { rule: 'amount is required', body: () => without('amount'), field: 'amount' },
    { rule: 'amount > 0', body: () => ({ ...valid(), amount: 0 }), field: 'amount', message: /greater than 0/ },
    { rule: 'amount not negative', body: () => ({ ...valid(), amount: -5 }), field: 'amount', message: /greater than 0/ },
    { rule: 'amount at most 2 decimals', body: () => ({ ...valid(), amount: 10.001 }), field: 'amount', message: /2 decimals/ },
    { rule: 'amount at most 1,000,000,000.00', body: () => ({ ...valid(), amount: 1000000000.01 }), field: 'amount', message: /at most/ },
    { rule: 'amount is a number', body: () => ({ ...valid(), amount: 'lots' }), field: 'amount' },
    { rule: 'bank_transaction_date is required', body: () => without('bank_transaction_date'), field: 'bank_transaction_date' },
    {
      rule: 'bank_transaction_date is RFC 1123 or ISO 8601',
      body: () => ({ ...valid(), bank_transaction_date: '04/07/2025' }),
      field: 'bank_transaction_date',
      message: /^bank_transaction_date must be a date in RFC 1123/,
    },
    {
      rule: 'bank_transaction_date not in the future',
      body: () => ({ ...valid(), bank_transaction_date: inOneHour() }),
      field: 'bank_transaction_date',
      message: /future/,
    },
    {
      rule: 'client_registration_date is RFC 1123 or ISO 8601',
      body: () => ({ ...valid(), client_registration_date: 'Friday' }),
      field: 'client_registration_date',
    },
    {
      rule: 'creditor_payment_reference at most 100 characters',
      body: () => ({ ...valid(), creditor_payment_reference: 'R'.repeat(101) }),
      field: 'creditor_payment_reference',
      message: /100/,
    },
    { rule: 'origin is required', body: () => without('origin'), field: 'origin' },
    { rule: 'origin must be creditor_system', body: () => ({ ...valid(), origin: 'web' }), field: 'origin', message: /creditor_system/ },
    { rule: "account, when sent, is the case's", body: () => ({ ...valid(), account: other.accountId }), field: 'account', message: /read-only/ },
    {
      rule: 'file_import_report is read-only',
      body: () => ({ ...valid(), file_import_report: '6867e6b174dfc89e006084d1' }),
      field: 'file_import_report',
      message: /^file_import_report is read-only/,
    },
    { rule: 'an unknown field', body: () => ({ ...valid(), payer: 'someone' }), field: 'payer', message: /^payer is not a field of a payment$/ },
    {
      rule: "a camelCase domain name is not one of REST's fields",
      body: () => ({ ...valid(), bankTransactionDate: 'Fri, 04 Jul 2025 16:20:41 GMT' }),
      field: 'bankTransactionDate',
      message: /^bankTransactionDate is not a field of a payment$/,
    },
    { rule: 'a malformed Idempotency-Key', body: valid, headers: { 'idempotency-key': 'has spaces in it' }, field: 'Idempotency-Key' },
  ];

  test.for(cases)('$rule', async ({ body, field, headers, message }, { harness: h, tenant }) => {
    const before = await h.counts();
    const res = await h.rest.post('/creditor--payments', body(), { apiKey: tenant.apiKey, headers });
    expect(res.status).toBe(422);
    expect(res.body._status).toBe('ERR');
    expect(res.body._error).toEqual({ code: 422, message: 'Insertion failure: 1 document(s) contain(s) error(s)' });
    expect(Object.keys(res.body._issues)).toEqual([field]);
    if (message) expect(res.body._issues[field]).toMatch(message);
    expect(await h.counts()).toEqual(before);
  });

  test('reports every failure of one request together', async ({ harness: h, tenant }) => {
    const before = await h.counts();
    const res = await h.rest.post('/creditor--payments', { ...without('origin'), amount: -1, currency: 'NOK', foo_bar: 1 }, { apiKey: tenant.apiKey });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body._issues).sort()).toEqual(['amount', 'currency', 'foo_bar', 'origin']);
    expect(await h.counts()).toEqual(before);
  });

  test('reports each unknown key under the name the client sent, whatever it is', async ({ harness: h, tenant }) => {
    const res = await h.rest.post(
      '/creditor--payments',
      { ...valid(), creditor: 'toString', bankTransactionDate: 'x', 'rest:bankTransactionDate': 'y', constructor: 1 },
      { apiKey: tenant.apiKey },
    );
    expect(res.status).toBe(422);
    expect(res.body._issues).toEqual({
      creditor: 'creditor toString not found',
      bankTransactionDate: 'bankTransactionDate is not a field of a payment',
      'rest:bankTransactionDate': 'rest:bankTransactionDate is not a field of a payment',
      constructor: 'constructor is not a field of a payment',
    });
  });

  test('leaves the case untouched after all those refusals', async ({ harness: h, tenant }) => {
    const c = await h.rest.get(`/cases/${caseId}`, { apiKey: tenant.apiKey });
    expect(c.body).toMatchObject({ remaining_total: 1000, state: 'OPEN' });
  });
});

describe('POST /creditor--payments with a body that is not a payment: 400/413/415 in the _error envelope, never 500', () => {
  test.for([
    { what: 'malformed JSON', payload: '{"creditor": "abc", ', status: 400, message: /^Malformed JSON body/ },
    { what: 'a JSON array holding other than payments', payload: '[{"amount": 1}, 2]', status: 400, message: /must be a JSON object/ },
    { what: 'a JSON string', payload: '"payment"', status: 400, message: /must be a JSON object/ },
    { what: 'JSON null', payload: 'null', status: 400, message: /must be a JSON object/ },
    { what: 'an empty body', payload: '', status: 400, message: /empty/ },
    { what: 'a prototype-poisoning key', payload: '{"__proto__": {"x": 1}}', status: 400, message: /^Malformed JSON body/ },
    { what: 'form data', payload: 'amount=100', contentType: 'application/x-www-form-urlencoded', status: 415, message: /application\/json/ },
    { what: 'a body over the limit', payload: JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }), status: 413, message: /too large/ },
  ])('$what -> $status', async ({ payload, status, message, contentType }, { harness: h, tenant }) => {
    const before = await h.counts();
    const res = await h.rest.request('POST', '/creditor--payments', {
      apiKey: tenant.apiKey,
      headers: { 'content-type': contentType ?? 'application/json' },
      body: payload,
    });
    expect(res.status).toBe(status);
    expect(res.body._status).toBe('ERR');
    expect(res.body._error.code).toBe(status);
    expect(res.body._error.message).toMatch(message);
    expect(await h.counts()).toEqual(before);
  });

  test('refuses to edit or delete the ledger with 405', async ({ harness: h, tenant }) => {
    const res = await h.rest.request('DELETE', `/creditor--payments/${caseId}`, { apiKey: tenant.apiKey });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(res.body._error.code).toBe(405);
  });
});
