import { once } from 'node:events';
import { connectDb } from '../../src/db/client.ts';
import type { TestDatabase } from '../support/database.ts';
import { demoKey, demoServerTest, describe, expect } from '../support/fixtures.ts';
import { type ServerProcess, spawnServer, startServer } from '../support/processes.ts';

/** The first server is the file's demo server; `apiKey` its key. */
const test = demoServerTest;

/** Every API key row, with its revocation: what a failed start must leave as it was. */
async function keyRows(database: TestDatabase) {
  const db = await connectDb(database.url, { poolSize: 1 });
  try {
    return await db.apiKey.findMany({ select: { id: true, revokedAt: true }, orderBy: { id: 'asc' } });
  } finally {
    await db.$disconnect();
  }
}

/** What a visitor of the first server's GraphiQL page gets when they run its example. */
async function graphiqlWorks(server: ServerProcess, key: string) {
  const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(await page.text()).toContain(key);
  const answer = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query: '{ creditors { totalCount } }' }),
  });
  return answer.status;
}

describe('a second start on the same database', () => {
  test('fails on the taken port without touching the data the running server uses: its demo key keeps working', async ({ database, server, apiKey }) => {
    expect(await graphiqlWorks(server, apiKey)).toBe(200);
    const port = new URL(server.url).port;
    const before = await keyRows(database);

    const second = spawnServer({ DATABASE_URL: database.url, DEMO: 'true', PORT: port }, { npm: true });
    let stderr = '';
    second.stderr!.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(second, 'exit');

    expect(code).not.toBe(0);
    expect(stderr).toContain(`PORT ${port} on 127.0.0.1 is already in use`);
    expect(await graphiqlWorks(server, apiKey)).toBe(200);
    expect(await keyRows(database)).toEqual(before); // no key made, none revoked
  });

  test("a second server on another port leaves the first one's demo key alone; each revokes only its own when it stops", async ({
    database,
    server,
    apiKey,
  }) => {
    const second = await startServer({ DATABASE_URL: database.url, DEMO: 'true' });
    const secondKey = demoKey(second.output());
    expect(secondKey).not.toBe(apiKey);
    expect(await graphiqlWorks(server, apiKey)).toBe(200);
    expect(await graphiqlWorks(second, secondKey)).toBe(200);

    expect(await second.stop('SIGTERM')).toBe(0);
    expect(await graphiqlWorks(server, apiKey)).toBe(200);
    const revoked = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': secondKey },
      body: JSON.stringify({ query: '{ creditors { totalCount } }' }),
    });
    expect(revoked.status).toBe(401);
  });
});
