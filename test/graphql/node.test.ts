import { newId } from '../../src/domain/ids.ts';
import { uploadFileImport } from '../../src/domain/imports/reports.ts';
import { MAX_NODE_IDS } from '../../src/domain/vocabulary.ts';
import { test as base, describe, expect } from '../support/fixtures.ts';
import type { Tenant } from '../support/harness.ts';
import { REGISTER, seedExample } from './operations.ts';

// Object identification: node(id) and nodes(ids) find a payment, case or creditor of the caller's
// account by the ids the API already gives out, and nothing of another account.

const NODE = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Payment { amount settledAmount status case { id } }
      ... on Case { invoiceNumber remainingTotal state }
      ... on Creditor { name }
    }
  }
`;

const NODES = /* GraphQL */ `
  query Nodes($ids: [ID!]!) {
    nodes(ids: $ids) { __typename id ... on Payment { amount } ... on Case { invoiceNumber } ... on Creditor { name } }
  }
`;

interface Seeded {
  a: Tenant;
  b: Tenant;
  aCase: { id: string; invoiceNumber: string };
  aPayments: string[];
  bCase: { id: string };
  bPayment: string;
}

const test = base.extend('seeded', { scope: 'file' }, async ({ harness: h }): Promise<Seeded> => {
  const a = await h.createTenant('Alpha');
  const b = await h.createTenant('Beta');
  const aCase = await a.openCase({ capital: '1000.00' });
  const aPayments: string[] = [];
  for (let i = 0; i < 60; i++) {
    const r = await h.graphql(
      REGISTER,
      { input: seedExample(a.creditorId, aCase.id, { creditorPaymentReference: `N-${i}`, amount: `${i + 1}.00` }) },
      { apiKey: a.apiKey },
    );
    expect(r.body.data.registerPayment.userErrors).toEqual([]);
    aPayments.push(r.body.data.registerPayment.payment.id);
  }
  const bCase = await b.openCase({ capital: '500.00' });
  const r = await h.graphql(REGISTER, { input: seedExample(b.creditorId, bCase.id) }, { apiKey: b.apiKey });
  return { a, b, aCase, aPayments, bCase, bPayment: r.body.data.registerPayment.payment.id };
});

describe('node(id)', () => {
  test('finds a payment, a case and a creditor by the ids the API gives out', async ({ harness: h, seeded: s }) => {
    const payment = await h.graphql(NODE, { id: s.aPayments[2] }, { apiKey: s.a.apiKey });
    expect(payment.body).toEqual({
      data: { node: { __typename: 'Payment', id: s.aPayments[2], amount: '3.00', settledAmount: '3.00', status: 'COMPLETED', case: { id: s.aCase.id } } },
    });
    const theCase = await h.graphql(NODE, { id: s.aCase.id }, { apiKey: s.a.apiKey });
    // 1000.00 less the 60 payments 1.00 … 60.00 (1830.00): paid off at the 44th.
    expect(theCase.body).toEqual({
      data: { node: { __typename: 'Case', id: s.aCase.id, invoiceNumber: s.aCase.invoiceNumber, remainingTotal: '0.00', state: 'PAID' } },
    });
    const creditor = await h.graphql(NODE, { id: s.a.creditorId }, { apiKey: s.a.apiKey });
    expect(creditor.body).toEqual({ data: { node: { __typename: 'Creditor', id: s.a.creditorId, name: 'Alpha Creditor AB' } } });
  });

  test("answers null for another account's ids, exactly as for unknown or malformed ones", async ({ harness: h, seeded: s }) => {
    for (const id of [s.bPayment, s.bCase.id, s.b.creditorId, newId(), 'not-an-id', s.a.accountId]) {
      const r = await h.graphql(NODE, { id }, { apiKey: s.a.apiKey });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ data: { node: null } });
    }
    // The owner finds them.
    const own = await h.graphql(NODE, { id: s.bPayment }, { apiKey: s.b.apiKey });
    expect(own.body.data.node).toMatchObject({ __typename: 'Payment', id: s.bPayment, amount: '100.00' });
  });

  test('the by-id fields answer as node does, and null across accounts', async ({ harness: h, seeded: s }) => {
    const BY_ID = `query($p: ID!, $c: ID!, $cr: ID!) { payment(id: $p) { id amount } case(id: $c) { id } creditor(id: $cr) { id name } }`;
    const own = await h.graphql(BY_ID, { p: s.aPayments[0], c: s.aCase.id, cr: s.a.creditorId }, { apiKey: s.a.apiKey });
    expect(own.body).toEqual({
      data: { payment: { id: s.aPayments[0], amount: '1.00' }, case: { id: s.aCase.id }, creditor: { id: s.a.creditorId, name: 'Alpha Creditor AB' } },
    });
    const foreign = await h.graphql(BY_ID, { p: s.bPayment, c: s.bCase.id, cr: s.b.creditorId }, { apiKey: s.a.apiKey });
    expect(foreign.body).toEqual({ data: { payment: null, case: null, creditor: null } });
  });
});

describe('nodes(ids)', () => {
  test("answers in the ids' order, null for each miss", async ({ harness: h, seeded: s }) => {
    const ids = [s.a.creditorId, s.bPayment, s.aPayments[0], 'junk', s.aCase.id, s.bCase.id];
    const r = await h.graphql(NODES, { ids }, { apiKey: s.a.apiKey });
    expect(r.body).toEqual({
      data: {
        nodes: [
          { __typename: 'Creditor', id: s.a.creditorId, name: 'Alpha Creditor AB' },
          null,
          { __typename: 'Payment', id: s.aPayments[0], amount: '1.00' },
          null,
          { __typename: 'Case', id: s.aCase.id, invoiceNumber: s.aCase.invoiceNumber },
          null,
        ],
      },
    });
  });

  test('costs the same statements for 3 ids as for 60 of mixed types (one per type)', async ({ harness: h, seeded: s }) => {
    const statementsFor = async (ids: string[]) => {
      h.queries.length = 0;
      const r = await h.graphql(NODES, { ids }, { apiKey: s.a.apiKey });
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.nodes.filter((n: unknown) => n !== null)).toHaveLength(ids.length);
      return h.queries.filter((sql) => !/ApiKey/.test(sql));
    };
    const few = await statementsFor([s.aPayments[0]!, s.aCase.id, s.a.creditorId]);
    const many = await statementsFor([...s.aPayments.slice(0, 58), s.aCase.id, s.a.creditorId]);
    // Payment, Case (with its creditor), Creditor and FileImportReport: one statement each, whatever the number of ids.
    expect(few).toHaveLength(4);
    expect(many).toHaveLength(few.length);
  });

  test(`refuses more than ${MAX_NODE_IDS} ids, naming the argument, and reads nothing`, async ({ harness: h, seeded: s }) => {
    h.queries.length = 0;
    const ids = Array.from({ length: MAX_NODE_IDS + 1 }, () => s.aPayments[0]!);
    const r = await h.graphql(NODES, { ids }, { apiKey: s.a.apiKey });
    expect(r.body.data).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0]!.message).toContain(`at most ${MAX_NODE_IDS} ids`);
    expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
    expect(h.queries.filter((sql) => !/ApiKey/.test(sql))).toEqual([]);
  });
});

describe('node(id) for a file import report', () => {
  test("finds the caller's report, and answers null to another account", async ({ harness: h, seeded: s }) => {
    const uploaded = await uploadFileImport(h.db, s.a.accountId, { fileName: 'node.csv', content: Buffer.from('creditor,case,currency,amount\n') });
    if (!uploaded.ok) throw new Error('upload refused');
    const id = uploaded.report.id;
    const query = 'query($id: ID!) { node(id: $id) { __typename id ... on FileImportReport { fileName size } } fileImportReport(id: $id) { id } }';
    expect((await h.graphql(query, { id }, { apiKey: s.a.apiKey })).body).toEqual({
      data: { node: { __typename: 'FileImportReport', id, fileName: 'node.csv', size: 30 }, fileImportReport: { id } },
    });
    expect((await h.graphql(query, { id }, { apiKey: s.b.apiKey })).body).toEqual({ data: { node: null, fileImportReport: null } });
  });
});
