import { describe, expect, demoServerTest as test } from '../support/fixtures.ts';

describe('the server process', () => {
  test('migrates an empty database, seeds the demo and prints the GraphiQL URL and the key', ({ server, apiKey }) => {
    expect(server.output()).toMatch(/GraphiQL: +http:\/\/localhost:\d+\/graphql/);
    expect(apiKey).toMatch(/^cpk_/);
  });

  test('serves GraphiQL to a browser, with the demo key in its headers', async ({ server, apiKey }) => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain(apiKey);
  });

  test('answers GraphQL over HTTP with the demo data', async ({ server, apiKey }) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query: '{ cases(filter: { state: CLOSED }) { totalCount } payments { totalCount } creditors { totalCount } }' }),
    });
    expect(await response.json()).toEqual({ data: { cases: { totalCount: 1 }, payments: { totalCount: 4 }, creditors: { totalCount: 2 } } });
  });

  test('answers 401 without a key', async ({ server }) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ payments { totalCount } }' }),
    });
    expect(response.status).toBe(401);
  });

  test('stops cleanly on SIGTERM', async ({ server }) => {
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});
