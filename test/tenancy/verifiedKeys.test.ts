import Database from 'better-sqlite3';
import { createApiKey } from '../../src/auth/apiKeys.ts';
import { VerifiedKeys } from '../../src/auth/verifiedKeys.ts';
import { onPostgres, withPostgres } from '../support/database.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';

/** One request's statements, and its status. */
const test = restTest.extend('cases', ({ harness: h }) => async (apiKey: string) => {
  const before = h.queries.length;
  const response = await h.rest.get('/cases', { apiKey });
  const statements = h.queries.slice(before);
  return { status: response.status, readsKey: statements.some((sql) => /"ApiKey"/.test(sql)), statements: statements.length };
});

const wrongSecret = (key: string) => key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');

async function eventually(check: () => Promise<boolean>, what: string, ms = 3000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Plain SQL on a connection of its own, as an operator (or the admin CLI) would send it. */
async function elsewhere(url: string, statement: string, parameters: unknown[]) {
  if (onPostgres) return void (await withPostgres(url, (client) => client.query(statement.replace('?', '$1'), parameters)));
  const file = new Database(url.replace(/^file:/, ''));
  try {
    file.prepare(statement).run(...parameters);
  } finally {
    file.close();
  }
}

const REVOKE = 'UPDATE "ApiKey" SET "revokedAt" = CURRENT_TIMESTAMP WHERE id = ?';

describe('keys this process has verified', () => {
  test('a key used before costs no statement; its id with a wrong secret is still refused', async ({ harness: h, tenant, cases }) => {
    const { key } = await createApiKey(h.db, tenant.accountId);
    const first = await cases(key);
    expect([first.status, first.readsKey]).toEqual([200, true]);
    const again = await cases(key);
    expect([again.status, again.readsKey]).toEqual([200, false]);
    expect(again.statements).toBe(first.statements - 1);
    const forged = await cases(wrongSecret(key));
    expect([forged.status, forged.readsKey]).toEqual([401, false]);
  });

  test('a key revoked by plain SQL from another connection is refused as soon as that commits', async ({ harness: h, tenant, cases }) => {
    const { id, key } = await createApiKey(h.db, tenant.accountId);
    await cases(key);
    expect((await cases(key)).readsKey).toBe(false); // known
    await elsewhere(h.url, REVOKE, [id]);
    // PostgreSQL tells the process as the UPDATE commits (a notification, so within moments); SQLite's next request sees it.
    if (onPostgres) await eventually(async () => (await cases(key)).status === 401, 'the revoked key to be refused');
    else expect((await cases(key)).status).toBe(401);
    // Other keys are read again once, then known again.
    expect((await cases(tenant.apiKey)).readsKey).toBe(true);
    expect((await cases(tenant.apiKey)).readsKey).toBe(false);
  });

  test.skipIf(!onPostgres)(
    'while the database cannot tell of changes, every key is read each time: a revocation meanwhile is not missed',
    async ({ harness: h, tenant, cases }) => {
      const { id, key } = await createApiKey(h.db, tenant.accountId);
      await cases(key);
      expect((await cases(key)).readsKey).toBe(false);
      // The connection that hears the changes is cut (and gone before the revocation commits): its notice goes to nobody.
      await withPostgres(h.url, async (client) => {
        await client.query(
          `SELECT pg_terminate_backend(pid, 2000) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%credentials_changed%' AND datname = current_database()`,
        );
        await client.query(REVOKE.replace('?', '$1'), [id]);
      });
      // The process notices the loss at once; it listens again only after half a second.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect((await cases(key)).status).toBe(401);
      // Heard again (the connection is opened again within a second): keys are known again.
      await eventually(async () => (await cases(tenant.apiKey)).readsKey === false, 'keys to be known again');
      expect((await cases(key)).status).toBe(401);
    },
  );
});

describe('the cache of verified keys', () => {
  const caller = { accountId: 'a', keyId: 'k', account: { id: 'a', name: 'A', createdAt: new Date(0) } } as never;
  const hash = Buffer.alloc(32, 1);

  test('remembers nothing read before a change, nor while changes are not heard', () => {
    const keys = new VerifiedKeys();
    keys.remember('k', hash, caller, keys.generation);
    expect(keys.find('k')).toBeUndefined(); // not hearing yet
    keys.hearing(true);
    const before = keys.generation;
    keys.forgetAll(); // a change was heard while the key was being read
    keys.remember('k', hash, caller, before);
    expect(keys.find('k')).toBeUndefined();
    keys.remember('k', hash, caller, keys.generation);
    expect(keys.find('k')?.caller).toBe(caller);
    keys.hearing(false);
    expect(keys.find('k')).toBeUndefined();
  });
});
