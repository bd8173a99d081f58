import { test as base, describe, expect } from '../support/fixtures.ts';

const test = base.extend('refused', ({ harness: h, tenant }) => async (query: string, pattern: RegExp) => {
  h.queries.length = 0;
  const response = await h.graphql(query, {}, { apiKey: tenant.apiKey });
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors?.[0]?.message).toMatch(pattern);
  // Refused before any resolver ran: the only database work was the key lookup.
  expect(h.queries.filter((sql) => !/ApiKey/.test(sql))).toEqual([]);
});

describe('query limits, refused before execution', () => {
  test('refuses a list of lists whose page sizes multiply past the cost limit', async ({ refused }) => {
    await refused(`{ cases(first: 100) { edges { node { payments(first: 100) { edges { node { id } } } } } } }`, /complexity/i);
  });

  test('allows a full page of 100 payments with their case and creditor', async ({ harness: h, tenant }) => {
    const response = await h.graphql(
      `{ payments(first: 100) { edges { node { id amount status caseInvoiceNumber caseReferenceNumber case { state } creditor { name } } } } }`,
      {},
      { apiKey: tenant.apiKey },
    );
    expect(response.body.errors).toBeUndefined();
  });

  test('refuses a query nested too deep', async ({ refused }) => {
    const deep = `{ creditors(first: 1) { edges { node { cases(first: 1) { edges { node { payments(first: 1) { edges { node { case { creditor { cases(first: 1) { edges { node { id } } } } } } } } } } } } } } }`;
    await refused(deep, /depth/i);
  });

  test('refuses too many aliases', async ({ refused }) => {
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: creditors(first: 1) { totalCount }`).join(' ');
    await refused(`{ ${aliases} }`, /aliases/i);
  });

  test('refuses a document with too many tokens', async ({ refused }) => {
    await refused(`{ creditors { edges { node { ${'id '.repeat(4000)} } } } }`, /token/i);
  });

  test('refuses batched operations', async ({ harness: h, tenant }) => {
    const response = await h.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      body: JSON.stringify([{ query: '{ creditors { totalCount } }' }, { query: '{ creditors { totalCount } }' }]),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});
