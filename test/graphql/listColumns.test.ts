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
