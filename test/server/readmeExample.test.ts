import { readFileSync } from 'node:fs';
import { ensureDemo } from '../../src/demo.ts';
import { expect, test } from '../support/fixtures.ts';

// The README's example mutation, as printed, against the demo data a fresh start seeds.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const example = /```graphql\n(mutation[\s\S]*?)```/.exec(readme)?.[1];

test("registers the README's example payment against the demo data", async ({ harness: h }) => {
  expect(example).toBeDefined();
  const demo = await ensureDemo(h.db);
  const response = await h.graphql(example!, {}, { apiKey: demo!.apiKey });
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data.registerPayment).toEqual({
    payment: expect.objectContaining({
      status: 'COMPLETED',
      settledAmount: '100.00',
      statusReasonLocale: null,
      case: { state: 'OPEN', remainingTotal: '1915.50' },
    }),
    replayed: false,
    userErrors: [],
  });
});
