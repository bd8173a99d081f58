import { type GraphQLField, getNamedType, isInterfaceType, isLeafType, isObjectType } from 'graphql';
import { schema } from '../../src/graphql/schema.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { REGISTER, seedExample } from './operations.ts';

// A payments page whose items ask only for some fields reads only their columns
// (src/graphql/types/payment.ts). Each field asked alone must answer as when every field is asked.
const paymentType = schema.getType('Payment');
if (!isObjectType(paymentType)) throw new Error('Payment is not an object type');

/** The field with a selection of its own when it is an object (every leaf of it, one level). */
function selectionOf(field: GraphQLField<unknown, unknown>): string {
  const type = getNamedType(field.type);
  if (isLeafType(type)) return field.name;
  if (isObjectType(type) || isInterfaceType(type)) {
    const leaves = Object.values(type.getFields()).filter((f) => isLeafType(getNamedType(f.type)) && f.args.length === 0);
    return `${field.name} { ${leaves.map((f) => f.name).join(' ')} }`;
  }
  throw new Error(`no selection for ${field.name}`);
}

const fields = Object.values(paymentType.getFields()).filter((f) => f.args.length === 0);
const page = (selection: string) => `{ payments(first: 6) { edges { cursor node { ${selection} } } pageInfo { endCursor hasNextPage } } }`;

test.beforeAll(async ({ harness: h, tenant }) => {
  const caseId = (await tenant.openCase({ capital: '50.00', interest: '5.00', costs: '2.50' })).id;
  for (let i = 0; i < 4; i++) {
    const r = await h.graphql(
      REGISTER,
      { input: seedExample(tenant.creditorId, caseId, { creditorPaymentReference: `COL-${i}`, amount: `${20 + i}.25` }) },
      { apiKey: tenant.apiKey },
    );
    expect(r.body.data.registerPayment.userErrors).toEqual([]);
  }
});

describe('a payments page asking for some fields', () => {
  test('answers each field of Payment, asked alone, as when every field is asked', async ({ harness: h, tenant }) => {
    const all = await h.graphql(page(fields.map(selectionOf).join(' ')), {}, { apiKey: tenant.apiKey });
    expect(all.body.errors).toBeUndefined();
    expect(all.body.data.payments.edges).toHaveLength(4);
    for (const field of fields) {
      const alone = await h.graphql(page(selectionOf(field)), {}, { apiKey: tenant.apiKey });
      expect(alone.body.errors, field.name).toBeUndefined();
      const expected = all.body.data.payments.edges.map((e: { cursor: string; node: Record<string, unknown> }) => ({
        cursor: e.cursor,
        node: { [field.name]: e.node[field.name] },
      }));
      expect(alone.body.data.payments.edges, field.name).toEqual(expected);
      expect(alone.body.data.payments.pageInfo, field.name).toEqual(all.body.data.payments.pageInfo);
    }
  });

  test('reads only the asked columns and the keys when every field asked is known', async ({ harness: h, tenant }) => {
    h.queries.length = 0;
    const answer = await h.graphql(page('amount status'), {}, { apiKey: tenant.apiKey });
    expect(answer.body.errors).toBeUndefined();
    const pageRead = h.queries.find((sql) => /from\s+"Payment"/i.test(sql) && /limit/i.test(sql));
    expect(pageRead).toBeDefined();
    expect(pageRead).not.toMatch(/"etag"|"requestHash"|\*/);
    expect(pageRead).toMatch(/"amount"/);
  });
});

describe("a payments page asking of its items' case only what their projection holds", () => {
  const caseType = schema.getType('Case');
  if (!isObjectType(caseType)) throw new Error('Case is not an object type');
  const caseLeaves = Object.values(caseType.getFields()).filter((f) => isLeafType(getNamedType(f.type)) && f.args.length === 0);

  test('answers each field of the case, asked alone, as when every field is asked (which reads the whole case)', async ({ harness: h, tenant }) => {
    const withCase = (selection: string) => page(`caseInvoiceNumber caseReferenceNumber creditor { name } case { ${selection} }`);
    const all = await h.graphql(withCase(`${caseLeaves.map((f) => f.name).join(' ')} creditor { name }`), {}, { apiKey: tenant.apiKey });
    expect(all.body.errors).toBeUndefined();
    for (const field of [...caseLeaves.map((f) => f.name), 'creditor { name }']) {
      const alone = await h.graphql(withCase(field), {}, { apiKey: tenant.apiKey });
      expect(alone.body.errors, field).toBeUndefined();
      const name = field.split(' ')[0]!;
      const expected = all.body.data.payments.edges.map((e: { cursor: string; node: Record<string, Record<string, unknown>> }) => ({
        cursor: e.cursor,
        node: {
          caseInvoiceNumber: e.node.caseInvoiceNumber,
          caseReferenceNumber: e.node.caseReferenceNumber,
          creditor: e.node.creditor,
          case: { [name]: e.node.case![name] },
        },
      }));
      expect(alone.body.data.payments.edges, field).toEqual(expected);
    }
  });

  test("reads only the projection's columns of the cases then, and the whole case where the same operation asks more of it", async ({ harness: h, tenant }) => {
    h.queries.length = 0;
    const narrow = await h.graphql(page('caseInvoiceNumber case { state }'), {}, { apiKey: tenant.apiKey });
    expect(narrow.body.errors).toBeUndefined();
    const caseRead = h.queries.find((sql) => /from\s+"Case"/i.test(sql));
    expect(caseRead).toBeDefined();
    expect(caseRead).not.toMatch(/"remainingCapital"|"version"|"updatedAt"/);

    // The same case, in the same operation, asked for what the projection does not hold.
    const caseId = (await h.graphql(page('case { id }'), {}, { apiKey: tenant.apiKey })).body.data.payments.edges[0].node.case.id;
    const alone = await h.graphql('query($id: ID!) { case(id: $id) { state remainingTotal remainingCapital } }', { id: caseId }, { apiKey: tenant.apiKey });
    expect(alone.body.data.case).toEqual({ state: 'PAID', remainingTotal: '0.00', remainingCapital: '0.00' });
    const both = await h.graphql(
      `query($id: ID!) {
        narrow: payments(first: 6) { edges { node { case { state } } } }
        whole: payments(first: 6) { edges { node { case { id state remainingTotal remainingCapital } } } }
        case(id: $id) { state remainingTotal remainingCapital }
      }`,
      { id: caseId },
      { apiKey: tenant.apiKey },
    );
    expect(both.body.errors).toBeUndefined();
    for (const edge of both.body.data.whole.edges) {
      if (edge.node.case.id === caseId) expect({ ...edge.node.case, id: undefined }).toEqual({ ...alone.body.data.case, id: undefined });
    }
    expect(both.body.data.case).toEqual(alone.body.data.case);
  });
});
