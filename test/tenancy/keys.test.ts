import * as crypto from 'node:crypto';
import { vi } from 'vitest';
import { authenticate, createApiKey, revokeApiKey } from '../../src/auth/apiKeys.ts';
import { connectDb } from '../../src/db/client.ts';
import { createAccount } from '../../src/domain/accounts.ts';
import { afterAll, describe, expect, restTest } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { runAdmin, startServer } from '../support/processes.ts';

// Watch the comparison itself: a key is checked with crypto.timingSafeEqual, never with ===.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const QUERY = '{ creditors { totalCount } }';
const test = restTest.extend(
  'rest',
  ({ harness: h }) =>
    (apiKey: string) =>
      h.rest.get('/cases', { apiKey }),
);

describe('API keys', () => {
  test('compares every presented key in constant time, also when its id exists nowhere', async ({ harness: h, tenant }) => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    const [, id, secret] = /^cpk_([0-9a-f]{24})_(.+)$/.exec(tenant.apiKey)!;
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');
    for (const [key, valid] of [
      [tenant.apiKey, true],
      [`cpk_${id}_${flip(secret!)}`, false],
      [`cpk_${'f'.repeat(24)}_${secret}`, false],
    ] as const) {
      compare.mockClear();
      expect(Boolean(await authenticate(h.db, key)), key).toBe(valid);
      expect(compare, key).toHaveBeenCalledTimes(1);
      const [expected, presented] = compare.mock.calls[0]!;
      expect([expected.byteLength, presented.byteLength]).toEqual([32, 32]);
    }
  });

  test('stops a key at once on both APIs when it is revoked, right after it was used', async ({ harness: h, tenant, rest }) => {
    const key = await createApiKey(h.db, tenant.accountId);
    expect((await h.graphql(QUERY, {}, { apiKey: key.key })).status).toBe(200);
    expect((await rest(key.key)).status).toBe(200);
    await revokeApiKey(h.db, key.id);
    const graphql = await h.graphql(QUERY, {}, { apiKey: key.key });
    expect(graphql.status).toBe(401);
    expect(graphql.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await rest(key.key)).status).toBe(401);
    // The account's other keys go on working.
    expect((await rest(tenant.apiKey)).status).toBe(200);
  });
});

describe('a key revoked by the operator while a server process runs', () => {
  let server: Harness;
  afterAll(() => server?.close());

  test('is refused by that server at its next request', async () => {
    server = await createHarness();
    const db = await connectDb(server.url);
    const account = await createAccount(db, 'Operator revokes');
    const key = await createApiKey(db, account.id);
    await db.$disconnect();
    const running = await startServer({ DATABASE_URL: server.url, DEMO: 'false' });
    try {
      const ask = (path: string, init: RequestInit = {}) =>
        fetch(`${running.url}${path}`, { ...init, headers: { 'x-api-key': key.key, 'content-type': 'application/json', ...init.headers } });
      const graphql = () => ask('/graphql', { method: 'POST', body: JSON.stringify({ query: QUERY }) });
      expect((await graphql()).status).toBe(200);
      expect((await ask('/cases')).status).toBe(200);
      const revoked = runAdmin(server.url, ['revoke-api-key', '--key-id', key.id]);
      expect(revoked.code, revoked.stderr).toBe(0);
      // runAdmin blocks this process for seconds, past the server's keep-alive deadline (5 s): let
      // the client see the idle connection the server closed meanwhile before it reuses it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await graphql()).status).toBe(401);
      expect((await ask('/cases')).status).toBe(401);
    } finally {
      expect(await running.stop('SIGTERM')).toBe(0);
    }
  });
});
