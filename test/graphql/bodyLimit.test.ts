import { createApp } from '../../src/app.ts';
import { describe, expect, restTest as test } from '../support/fixtures.ts';

const body = (padding: number) => JSON.stringify({ query: '{ creditors { totalCount } }', variables: { padding: 'x'.repeat(padding) } });

describe('GraphQL request body size, refused before anything runs', () => {
  test('answers 413 with a clear message to a body over the limit (1 MiB by default), and touches no database', async ({ harness: h, tenant }) => {
    h.queries.length = 0;
    const response = await h.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      payload: body(1024 * 1024),
    });
    expect(response.statusCode).toBe(413);
    // In GraphQL's error shape, like every other failure of /graphql.
    expect(response.json().errors[0].message).toMatch(/too large/i);
    expect(response.json().errors[0].extensions.code).toBe('FST_ERR_CTP_BODY_TOO_LARGE');
    // Not even the API key was looked up: the body was refused while it was read.
    expect(h.queries).toEqual([]);
  });

  test("answers 400 in GraphQL's error shape to JSON that does not parse", async ({ harness: h, tenant }) => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      payload: '{"query": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].message).toMatch(/JSON/i);
  });

  test('takes a body just under the limit', async ({ harness: h, tenant }) => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      payload: body(1024 * 1024 - 200),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ data: { creditors: { totalCount: 1 } } });
  });

  test('applies a configured limit', async ({ harness: h, tenant }) => {
    const app = await createApp({ db: h.db, logLevel: 'silent', bodyLimit: 2048 });
    try {
      const send = (padding: number) =>
        app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey }, payload: body(padding) });
      expect((await send(3000)).statusCode).toBe(413);
      expect((await send(1000)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
