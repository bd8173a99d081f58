import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { type ServerProcess, startServer } from '../support/processes.ts';

let database: TestDatabase;
let server: ServerProcess;
let apiKey: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({ DATABASE_URL: database.url, DEMO: 'true' });
  apiKey = /Demo API key \(x-api-key\): (\S+)/.exec(server.output())![1]!;
});
afterAll(async () => {
  await server?.stop();
  await database.drop();
});

describe('the server process', () => {
  it('migrates an empty database, seeds the demo and prints the GraphiQL URL and the key', () => {
    expect(server.output()).toMatch(/GraphiQL: +http:\/\/localhost:\d+\/graphql/);
    expect(apiKey).toMatch(/^cpk_/);
  });

  it('serves GraphiQL to a browser, with the demo key in its headers', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain(apiKey);
  });

  it('answers GraphQL over HTTP with the demo data', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query: '{ cases(filter: { state: CLOSED }) { totalCount } payments { totalCount } creditors { totalCount } }' }),
    });
    expect(await response.json()).toEqual({ data: { cases: { totalCount: 1 }, payments: { totalCount: 4 }, creditors: { totalCount: 2 } } });
  });

  it('answers 401 without a key', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ payments { totalCount } }' }),
    });
    expect(response.status).toBe(401);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});
