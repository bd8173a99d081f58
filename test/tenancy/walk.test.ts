import type { Db } from '../../src/db/client.ts';
import { closeCase, openCase } from '../../src/domain/cases.ts';
import { createCreditor } from '../../src/domain/creditors.ts';
import { uploadFileImport } from '../../src/domain/imports/reports.ts';
import { encodeCursor } from '../../src/domain/paging.ts';
import { schema } from '../../src/graphql/schema.ts';
import { REGISTER } from '../graphql/operations.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';
import { paymentBody, servedDocument } from '../support/rest.ts';

/**
 * Account B's key against every GraphQL query field, the mutation and every REST route, with
 * account A's ids: B gets null, empty lists, 404 or NOT_FOUND, never a byte of A's data, and
 * A's rows are byte-identical afterwards.
 */

/** Everything of A's a response to B could leak. */
const A = {
  accountName: 'Alpha Secret Holdings',
  accountId: '',
  creditorNames: ['Alpha Secret Energy AB', 'Alpha Secret Telco AB'],
  creditorIds: [] as string[],
  cases: [] as Array<{ id: string; invoiceNumber: string; referenceNumber: string; creditorId: string }>,
  payments: [] as Array<{ id: string; etag: string; createdAt: Date }>,
  references: ['ALPHA-REF-1', 'ALPHA-REF-2'],
  /** One for each walk, so the walks do not depend on each other. */
  idempotencyKeys: ['alpha-idempotency-key-1', 'alpha-idempotency-key-2'],
};
let bCaseId: string;
const bPaymentIds: string[] = [];

/** A's rows in every table, as text: "nothing changed" is this text before and after. */
async function rowsOf(db: Db, accountId: string): Promise<string> {
  const rows = await Promise.all([
    db.account.findMany({ where: { id: accountId } }),
    db.apiKey.findMany({ where: { accountId }, orderBy: { id: 'asc' } }),
    db.creditor.findMany({ where: { accountId }, orderBy: { id: 'asc' } }),
    db.case.findMany({ where: { accountId }, orderBy: { id: 'asc' } }),
    db.payment.findMany({ where: { accountId }, orderBy: { id: 'asc' } }),
  ]);
  return JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/**
 * The words of A's that must not appear in an answer to B, less those B itself sent. A's
 * reference strings and Idempotency-Key are not among them: B reuses them on purpose, and
 * the payments that stores are B's own.
 */
function leaks(answer: string, sent: string): string[] {
  const secrets = [
    A.accountName,
    A.accountId,
    ...A.creditorNames,
    ...A.creditorIds,
    ...A.cases.flatMap((c) => [c.id, c.invoiceNumber, c.referenceNumber]),
    ...A.payments.flatMap((p) => [p.id, p.etag]),
  ];
  return secrets.filter((secret) => answer.includes(secret) && !sent.includes(secret));
}

/** The file's tenant is account A; B is the other account, walking with A's ids. */
const test = restTest
  .override('tenantName', A.accountName)
  .extend('b', { scope: 'file' }, ({ harness }) => harness.createTenant('Beta'))
  /** Runs one GraphQL operation as B and checks that nothing of A's is in the answer. */
  .extend('asB', ({ harness: h, b }) => async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const response = await h.graphql(query, variables, { apiKey: b.apiKey, headers });
    const text = JSON.stringify(response.body);
    expect(leaks(text, JSON.stringify({ query, variables, headers })), `${query}\n${text}`).toEqual([]);
    expect(response.body.errors, text).toBeUndefined();
    return response.body.data;
  });

interface Walker {
  a: Tenant;
  b: Tenant;
  asB: (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => Promise<any>;
}

test.beforeAll(async ({ harness: h, tenant: a, b }) => {
  A.accountId = a.accountId;
  await h.db.creditor.update({ where: { id: a.creditorId }, data: { name: A.creditorNames[0]! } });
  const second = await createCreditor(h.db, a.accountId, A.creditorNames[1]!);
  A.creditorIds.push(a.creditorId, second.id);
  const open = await a.openCase({ invoiceNumber: 'ALPHA-INV-OPEN', referenceNumber: 'ALPHA-7000', costs: '50.00', interest: '10.00', capital: '900.00' });
  const toBePaid = await a.openCase({ invoiceNumber: 'ALPHA-INV-PAID', referenceNumber: 'ALPHA-7002', capital: '100.00' });
  const closed = await openCase(h.db, { creditorId: second.id, invoiceNumber: 'ALPHA-INV-CLOSED', referenceNumber: 'ALPHA-7001', capital: '400.00' });
  await closeCase(h.db, closed.id);
  for (const [c, creditorId] of [
    [open, a.creditorId],
    [toBePaid, a.creditorId],
    [closed, second.id],
  ] as const) {
    A.cases.push({ id: c.id, invoiceNumber: c.invoiceNumber, referenceNumber: c.referenceNumber, creditorId });
  }

  // A's payments, through both APIs: by reference, by Idempotency-Key, one paying a case off, one on the closed case.
  const viaRest = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await h.rest.post('/creditor--payments', body, { apiKey: a.apiKey, headers });
    expect(res.status).toBe(201);
    return res.body._id as string;
  };
  const ids = [
    await viaRest(paymentBody(a.creditorId, open.id, { amount: 75.5, creditor_payment_reference: A.references[0] })),
    await viaRest(paymentBody(a.creditorId, toBePaid.id, { amount: 100 }), { 'idempotency-key': A.idempotencyKeys[0]! }),
    await viaRest(paymentBody(a.creditorId, open.id, { amount: 1 }), { 'idempotency-key': A.idempotencyKeys[1]! }),
    await viaRest(paymentBody(second.id, closed.id, { amount: 25, creditor_payment_reference: A.references[1] })),
  ];
  const graphql = await h.graphql(
    `mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) { payment { id } userErrors { message } } }`,
    {
      input: {
        creditor: a.creditorId,
        invoiceNumber: open.invoiceNumber,
        currency: 'SEK',
        amount: '12.34',
        bankTransactionDate: '2025-07-04',
        origin: 'creditor_system',
      },
    },
    { apiKey: a.apiKey },
  );
  ids.push(graphql.body.data.registerPayment.payment.id);
  for (const id of ids) {
    const p = await h.db.payment.findUniqueOrThrow({ where: { id } });
    A.payments.push({ id: p.id, etag: p.etag, createdAt: p.createdAt });
  }

  // B has data of its own, so an empty answer is not merely an empty database.
  const bCase = await b.openCase({ capital: '300.00' });
  bCaseId = bCase.id;
  const res = await h.rest.post('/creditor--payments', paymentBody(b.creditorId, bCase.id, { amount: 10, creditor_payment_reference: 'BETA-1' }), {
    apiKey: b.apiKey,
  });
  bPaymentIds.push(res.body._id);
});

const PAYMENT_FIELDS = `id amount settledAmount status creditorPaymentReference caseInvoiceNumber caseReferenceNumber etag
  account { id name } creditor { id name } case { id invoiceNumber referenceNumber remainingTotal payments(first: 5) { totalCount edges { node { id } } } }`;
const CASE_FIELDS = `id invoiceNumber referenceNumber state remainingTotal creditor { id name account { name } } payments(first: 5) { totalCount edges { node { id } } }`;
const CREDITOR_FIELDS = `id name account { id name } cases(first: 5) { totalCount edges { node { id invoiceNumber } } }`;

/** One walk per root field of the schema; the test fails when a field has none. */
const QUERY_WALKS: Record<string, (walker: Walker) => Promise<void>> = {
  payment: async ({ asB }) => {
    for (const p of A.payments) expect(await asB(`query($id: ID!) { payment(id: $id) { ${PAYMENT_FIELDS} } }`, { id: p.id })).toEqual({ payment: null });
  },
  payments: async ({ a, asB }) => {
    const only = (data: { payments: { edges: Array<{ node: { id: string } }> } }) => data.payments.edges.map((e) => e.node.id);
    const all = await asB(`{ payments(first: 20) { totalCount edges { node { ${PAYMENT_FIELDS} } } } }`);
    expect(only(all)).toEqual(bPaymentIds.slice().reverse());
    for (const filter of [
      ...A.creditorIds.map((creditor) => ({ creditor })),
      ...A.cases.map((c) => ({ case: c.id })),
      ...A.references.map((creditorPaymentReference) => ({ creditorPaymentReference })),
      { creditor: a.creditorId, case: A.cases[0]!.id },
    ]) {
      const data = await asB(`query($filter: PaymentFilter) { payments(filter: $filter) { totalCount edges { node { id } } } }`, { filter });
      expect(data, JSON.stringify(filter)).toEqual({ payments: { totalCount: 0, edges: [] } });
    }
    for (const status of ['COMPLETED', 'WARNING', 'ERROR']) {
      const data = await asB(
        `query($s: PaymentStatus) { payments(filter: { status: $s, bankTransactionDateFrom: "2000-01-01", bankTransactionDateTo: "2030-01-01" }) { edges { node { id } } } }`,
        { s: status },
      );
      for (const id of only(data)) expect(bPaymentIds).toContain(id);
    }
    // A cursor cut from A's payment moves through B's list only.
    for (const p of A.payments) {
      const data = await asB(`query($after: String) { payments(after: $after) { edges { node { id } } } }`, { after: encodeCursor(p) });
      for (const id of only(data)) expect(bPaymentIds).toContain(id);
    }
  },
  case: async ({ asB }) => {
    for (const c of A.cases) expect(await asB(`query($id: ID!) { case(id: $id) { ${CASE_FIELDS} } }`, { id: c.id })).toEqual({ case: null });
  },
  node: async ({ asB }) => {
    for (const id of [...A.payments.map((p) => p.id), ...A.cases.map((c) => c.id), ...A.creditorIds]) {
      expect(await asB(`query($id: ID!) { node(id: $id) { id ... on Payment { ${PAYMENT_FIELDS} } ... on Case { ${CASE_FIELDS} } } }`, { id })).toEqual({
        node: null,
      });
    }
  },
  nodes: async ({ asB }) => {
    const ids = [...A.payments.map((p) => p.id), ...A.cases.map((c) => c.id), ...A.creditorIds];
    expect(await asB(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids })).toEqual({ nodes: ids.map(() => null) });
  },
  caseByInvoiceNumber: async ({ b, asB }) => {
    for (const c of A.cases) {
      for (const creditor of [c.creditorId, b.creditorId]) {
        const data = await asB(`query($c: ID!, $i: String!) { caseByInvoiceNumber(creditor: $c, invoiceNumber: $i) { ${CASE_FIELDS} } }`, {
          c: creditor,
          i: c.invoiceNumber,
        });
        expect(data).toEqual({ caseByInvoiceNumber: null });
      }
    }
  },
  cases: async ({ asB }) => {
    const all = await asB(`{ cases(first: 20) { totalCount edges { node { ${CASE_FIELDS} } } } }`);
    expect(all.cases.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([bCaseId]);
    for (const filter of [
      ...A.creditorIds.map((creditor) => ({ creditor })),
      ...A.cases.map((c) => ({ invoiceNumber: c.invoiceNumber })),
      { state: 'CLOSED' },
      { state: 'PAID' },
    ]) {
      const data = await asB(`query($filter: CaseFilter) { cases(filter: $filter) { totalCount edges { node { id } } } }`, { filter });
      expect(data, JSON.stringify(filter)).toEqual({ cases: { totalCount: 0, edges: [] } });
    }
  },
  creditor: async ({ asB }) => {
    for (const id of A.creditorIds) expect(await asB(`query($id: ID!) { creditor(id: $id) { ${CREDITOR_FIELDS} } }`, { id })).toEqual({ creditor: null });
  },
  creditors: async ({ b, asB }) => {
    const data = await asB(`{ creditors(first: 20) { totalCount edges { node { ${CREDITOR_FIELDS} } } } }`);
    expect(data.creditors.totalCount).toBe(1);
    expect(data.creditors.edges[0].node.id).toBe(b.creditorId);
  },
  // A's reports are walked with another account in test/imports/faces.test.ts (uploads need a worker).
  fileImportReport: async ({ asB }) => {
    expect(await asB('query($id: ID!) { fileImportReport(id: $id) { id } }', { id: 'ffffffffffffffffffffffff' })).toEqual({ fileImportReport: null });
  },
  fileImportReports: async ({ asB }) => {
    expect(await asB('{ fileImportReports(first: 20) { totalCount edges { node { id } } } }')).toEqual({ fileImportReports: { totalCount: 0, edges: [] } });
  },
};

const MUTATION_WALKS: Record<string, (walker: Walker) => Promise<void>> = {
  // Needs a multipart request; its tenancy is tested in test/imports/faces.test.ts.
  importPayments: async () => {},
  registerPayment: async ({ b, asB }) => {
    const valid = { currency: 'SEK', amount: '10.00', bankTransactionDate: 'Fri, 04 Jul 2025 16:20:41 GMT', origin: 'creditor_system' };
    for (const c of A.cases) {
      for (const input of [
        { ...valid, creditor: c.creditorId, case: c.id },
        { ...valid, creditor: b.creditorId, case: c.id },
        { ...valid, creditor: c.creditorId, invoiceNumber: c.invoiceNumber },
        { ...valid, creditor: b.creditorId, invoiceNumber: c.invoiceNumber },
        { ...valid, creditor: c.creditorId, case: c.id, creditorPaymentReference: A.references[0] },
      ]) {
        const data = await asB(REGISTER, { input });
        expect(data.registerPayment.payment, JSON.stringify(input)).toBeNull();
        expect(data.registerPayment.userErrors.length).toBeGreaterThan(0);
        expect(
          data.registerPayment.userErrors.every((e: { code: string }) => e.code === 'NOT_FOUND'),
          JSON.stringify(data),
        ).toBe(true);
      }
    }
    // A's reference and A's Idempotency-Key mean nothing to B: each registers B's own payment, not a replay of A's.
    for (const [input, headers] of [
      [{ ...valid, creditor: b.creditorId, case: bCaseId, creditorPaymentReference: A.references[0] }, {}],
      [{ ...valid, creditor: b.creditorId, case: bCaseId, amount: '100.00' }, { 'idempotency-key': A.idempotencyKeys[0]! }],
    ] as const) {
      const data = await asB(REGISTER, { input }, headers);
      const payment = data.registerPayment.payment;
      expect(data.registerPayment.replayed).toBe(false);
      expect(payment.case.id).toBe(bCaseId);
      expect(payment.account.id).toBe(b.accountId);
      bPaymentIds.push(payment.id);
    }
  },
};

describe("account B walks every query, the mutation and every REST route with account A's ids", () => {
  test('covers every root field of the schema', () => {
    expect(Object.keys(QUERY_WALKS).sort()).toEqual(Object.keys(schema.getQueryType()!.getFields()).sort());
    expect(Object.keys(MUTATION_WALKS).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
  });

  test('GraphQL: null, empty lists and NOT_FOUND; nothing of A leaks and nothing of A changes', async ({ harness: h, tenant: a, b, asB }) => {
    const before = await rowsOf(h.db, a.accountId);
    for (const walk of [...Object.values(QUERY_WALKS), ...Object.values(MUTATION_WALKS)]) await walk({ a, b, asB });
    expect(await rowsOf(h.db, a.accountId)).toEqual(before);
  });

  test('REST: 404, empty lists and 422 not found; nothing of A leaks and nothing of A changes', async ({ harness: h, tenant: a, b }) => {
    // A file import of A's (queued: no worker runs here), for B to look for.
    const aUpload = await uploadFileImport(h.db, a.accountId, {
      fileName: 'a.csv',
      content: Buffer.from('creditor,case,currency,amount,bank_transaction_date\n'),
    });
    if (!aUpload.ok) throw new Error('refused');
    const before = await rowsOf(h.db, a.accountId);
    const walked = new Set<string>();
    const asBRest = async (method: string, template: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
      walked.add(`${method} ${template}`);
      const res = await h.rest.request(method, url, { apiKey: b.apiKey, body, headers });
      expect(leaks(res.text, `${url} ${JSON.stringify(body ?? null)} ${JSON.stringify(headers)}`), `${method} ${url}\n${res.text}`).toEqual([]);
      return res;
    };
    const unknownId = 'ffffffffffffffffffffffff';

    for (const p of A.payments) {
      const res = await asBRest('GET', '/creditor--payments/{id}', `/creditor--payments/${p.id}`);
      expect(res.status).toBe(404);
      // The same answer as for an id that exists nowhere: no probing.
      const unknown = await asBRest('GET', '/creditor--payments/{id}', `/creditor--payments/${unknownId}`);
      expect(res.body._error.message.replace(p.id, '<id>')).toBe(unknown.body._error.message.replace(unknownId, '<id>'));
      expect((await asBRest('GET', '/creditor--payments/{id}', `/creditor--payments/${p.id}`, undefined, { 'if-none-match': `"${p.etag}"` })).status).toBe(404);
      expect((await asBRest('HEAD', '/creditor--payments/{id}', `/creditor--payments/${p.id}`)).status).toBe(404);
      for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
        const res405 = await asBRest(method, '/creditor--payments/{id}', `/creditor--payments/${p.id}`, method === 'DELETE' ? undefined : {});
        expect(res405.status).toBe(405);
        expect(res405.text).toBe(
          (await asBRest(method, '/creditor--payments/{id}', `/creditor--payments/${unknownId}`, method === 'DELETE' ? undefined : {})).text,
        );
      }
    }
    const ownPayments = await asBRest('GET', '/creditor--payments', '/creditor--payments?max_results=100');
    expect(ownPayments.body._items.map((p: { _id: string }) => p._id).sort()).toEqual([...bPaymentIds].sort());
    for (const where of [...A.creditorIds.map((creditor) => ({ creditor })), ...A.cases.map((c) => ({ case: c.id }))]) {
      const res = await asBRest('GET', '/creditor--payments', `/creditor--payments?where=${encodeURIComponent(JSON.stringify(where))}`);
      expect(res.body._meta.total, JSON.stringify(where)).toBe(0);
    }
    // B reused A's reference strings for payments of its own (the GraphQL walk): those, and only those, come back.
    for (const where of A.references.map((creditor_payment_reference) => ({ creditor_payment_reference }))) {
      const res = await asBRest('GET', '/creditor--payments', `/creditor--payments?where=${encodeURIComponent(JSON.stringify(where))}`);
      for (const item of res.body._items) expect(bPaymentIds, JSON.stringify(where)).toContain(item._id);
    }
    for (const method of ['PUT', 'PATCH', 'DELETE'])
      expect((await asBRest(method, '/creditor--payments', '/creditor--payments', method === 'DELETE' ? undefined : {})).status).toBe(405);

    for (const c of A.cases) {
      expect((await asBRest('GET', '/cases/{id}', `/cases/${c.id}`)).status).toBe(404);
      expect((await asBRest('HEAD', '/cases/{id}', `/cases/${c.id}`)).status).toBe(404);
      for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'])
        expect((await asBRest(method, '/cases/{id}', `/cases/${c.id}`, method === 'DELETE' ? undefined : {})).status).toBe(405);
    }
    const ownCases = await asBRest('GET', '/cases', '/cases?max_results=100');
    expect(ownCases.body._items.map((c: { _id: string }) => c._id)).toEqual([bCaseId]);
    for (const where of [...A.creditorIds.map((creditor) => ({ creditor })), ...A.cases.map((c) => ({ invoice_number: c.invoiceNumber }))]) {
      expect((await asBRest('GET', '/cases', `/cases?where=${encodeURIComponent(JSON.stringify(where))}`)).body._meta.total, JSON.stringify(where)).toBe(0);
    }
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
      expect((await asBRest(method, '/cases', '/cases', method === 'DELETE' ? undefined : {})).status).toBe(405);

    for (const c of A.cases) {
      const { case: _case, ...byInvoice } = paymentBody(c.creditorId, c.id);
      for (const body of [
        paymentBody(c.creditorId, c.id),
        paymentBody(b.creditorId, c.id),
        { ...byInvoice, invoice_number: c.invoiceNumber },
        { ...byInvoice, creditor: b.creditorId, invoice_number: c.invoiceNumber },
      ]) {
        const res = await asBRest('POST', '/creditor--payments', '/creditor--payments', body);
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(Object.values(res.body._issues).join(' '), res.text).toMatch(/not found|no case of creditor/);
        expect(res.text).not.toMatch(/forbidden|permission|another account/i);
      }
    }
    // The seed's read-only `account` may not name A's account, even on B's own case.
    const withAccount = await asBRest('POST', '/creditor--payments', '/creditor--payments', paymentBody(b.creditorId, bCaseId, { account: a.accountId }));
    expect(withAccount.status).toBe(422);
    expect(Object.keys(withAccount.body._issues)).toEqual(['account']);
    // A's reference and A's Idempotency-Key register B's own payments, never replay A's.
    for (const [body, headers] of [
      [paymentBody(b.creditorId, bCaseId, { amount: 1, creditor_payment_reference: A.references[1] }), {}],
      [paymentBody(b.creditorId, bCaseId, { amount: 2 }), { 'idempotency-key': A.idempotencyKeys[1]! }],
    ] as const) {
      const res = await asBRest('POST', '/creditor--payments', '/creditor--payments', body, headers);
      expect(res.status, res.text).toBe(201);
      bPaymentIds.push(res.body._id);
    }
    expect((await asBRest('GET', '/openapi.json', '/openapi.json')).status).toBe(200);
    // The home document and OPTIONS hold no account's data, whatever ids the path names.
    expect((await asBRest('GET', '/', '/')).body._links.child.map((l: { href: string }) => l.href)).toEqual(['creditor--payments', 'cases']);
    for (const [template, url] of [
      ['/', '/'],
      ['/creditor--payments', '/creditor--payments'],
      ['/creditor--payments/{id}', `/creditor--payments/${A.payments[0]!.id}`],
      ['/cases', '/cases'],
      ['/cases/{id}', `/cases/${A.cases[0]!.id}`],
    ] as const) {
      const res = await asBRest('OPTIONS', template, url);
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
    }

    // File imports: B lists none of A's; A's report and its rejected lines are "not found", as an unknown id is.
    expect((await asBRest('GET', '/file-import-reports', '/file-import-reports')).body._meta.total).toBe(0);
    for (const template of ['/file-import-reports/{id}', '/file-import-reports/{id}/rejected-lines']) {
      const res = await asBRest('GET', template, template.replace('{id}', aUpload.report.id));
      expect(res.status).toBe(404);
      const unknown = await asBRest('GET', template, template.replace('{id}', unknownId));
      expect(res.body._error.message.replace(aUpload.report.id, '<id>')).toBe(unknown.body._error.message.replace(unknownId, '<id>'));
    }
    // An upload needs a multipart body (its tenancy with a real file: test/imports/faces.test.ts).
    expect((await asBRest('POST', '/file-import-reports', '/file-import-reports', {})).status).toBe(400);

    const documented = Object.entries((await servedDocument()).paths ?? {}).flatMap(([path, operations]) =>
      Object.keys(operations ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const operation of documented) expect(walked, `${operation} was not walked`).toContain(operation);
    expect(await rowsOf(h.db, a.accountId)).toEqual(before);
  });
});
