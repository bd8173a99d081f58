import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApiKey, revokeApiKey } from '../../src/auth/apiKeys.ts';
import { ConfigError, readConfig } from '../../src/config.ts';
import type { TrustedDocuments } from '../../src/graphql/trustedDocuments.ts';
import { createGraphQL } from '../../src/graphql/yoga.ts';
import { test as base, describe, expect } from '../support/fixtures.ts';
import type { Harness, Tenant } from '../support/harness.ts';

// Trusted documents: the operations a frontend build shipped run by their hash; in persisted-only
// mode nothing else runs, except for the API keys configured as open.

const CREDITORS = 'query Creditors($first: Int) { creditors(first: $first) { edges { node { id name } } } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const KNOWN = sha256(CREDITORS);
const UNKNOWN = sha256('query Other { creditors { totalCount } }');
// As the plugin answers (and clients of automatic persisted queries expect): the refusal is a GraphQL error in a 200 answer.
const STATUS = 200;
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

type Server = ReturnType<typeof createGraphQL>;

function serverWith(h: Harness, trusted: Partial<TrustedDocuments>): Server {
  return createGraphQL({
    db: h.db,
    logger: pino({ level: 'silent' }),
    trustedDocuments: { documents: new Map([[KNOWN, CREDITORS]]), only: true, openKeyIds: new Set(), ...trusted },
  });
}

async function post(server: Server, body: Record<string, unknown>, apiKey: string) {
  const response = await server.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> },
  };
}

async function get(server: Server, params: Record<string, unknown>, apiKey: string) {
  const query = new URLSearchParams(Object.entries(params).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]));
  const response = await server.fetch(`http://test/graphql?${query}`, { headers: { accept: 'application/json', 'x-api-key': apiKey } });
  return {
    status: response.status,
    body: (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> },
  };
}

const test = base.extend('service', { scope: 'file' }, async ({ harness: h }) => {
  // A service's key, open to any document; the tenant's own key stays a frontend's.
  const open = await createApiKey(h.db, (await h.createTenant('Service')).accountId);
  return { key: open.key, keyId: open.id };
});

const ownCreditors = (t: Tenant) => ({ data: { creditors: { edges: [{ node: { id: t.creditorId, name: 'Tenant Creditor AB' } }] } } });

describe('persisted-only mode', () => {
  test('runs a known hash sent by POST and by GET', async ({ harness: h, tenant }) => {
    const server = serverWith(h, {});
    const byPost = await post(server, { extensions: persisted(KNOWN), variables: { first: 5 } }, tenant.apiKey);
    expect(byPost).toEqual({ status: 200, body: ownCreditors(tenant) });
    const byGet = await get(server, { extensions: persisted(KNOWN), variables: { first: 5 } }, tenant.apiKey);
    expect(byGet).toEqual({ status: 200, body: ownCreditors(tenant) });
  });

  test('refuses an unknown hash with PersistedQueryNotFound, and reads nothing', async ({ harness: h, tenant }) => {
    const server = serverWith(h, {});
    h.queries.length = 0;
    for (const answer of [
      await post(server, { extensions: persisted(UNKNOWN) }, tenant.apiKey),
      await get(server, { extensions: persisted(UNKNOWN) }, tenant.apiKey),
    ]) {
      expect(answer.status).toBe(STATUS);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }]);
    }
    expect(h.queries).toEqual([]);
  });

  test("refuses a raw document from a frontend's key with PersistedQueryOnly, even the manifest's own text", async ({ harness: h, tenant }) => {
    const server = serverWith(h, {});
    h.queries.length = 0;
    const mutation = `mutation { registerPayment(input: { creditor: "${tenant.creditorId}", currency: SEK, amount: "1.00", bankTransactionDate: "2025-07-04T16:20:41Z", origin: "creditor_system" }) { replayed } }`;
    for (const query of [CREDITORS, mutation]) {
      const answer = await post(server, { query }, tenant.apiKey);
      expect(answer.status).toBe(STATUS);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors).toEqual([{ message: 'PersistedQueryOnly', extensions: { code: 'CANNOT_SEND_PQ_ID_AND_BODY' } }]);
    }
    expect(h.queries).toEqual([]);
    expect((await h.counts()).payments).toBe(0);
  });

  test('lets an open key send any document, but not once that key is revoked', async ({ harness: h, tenant, service }) => {
    const server = serverWith(h, { openKeyIds: new Set([service.keyId]) });
    const other = await post(server, { query: '{ creditors { totalCount } }' }, service.key);
    expect(other).toEqual({ status: 200, body: { data: { creditors: { totalCount: 1 } } } });
    // The tenant's key is not open.
    expect((await post(server, { query: '{ creditors { totalCount } }' }, tenant.apiKey)).body.errors?.[0]?.message).toBe('PersistedQueryOnly');
    await revokeApiKey(h.db, service.keyId);
    expect((await post(server, { query: '{ creditors { totalCount } }' }, service.key)).body.errors?.[0]?.message).toBe('PersistedQueryOnly');
  });
});

describe('manifest without persisted-only mode', () => {
  test('runs known hashes and raw documents alike; an unknown hash is still refused', async ({ harness: h, tenant }) => {
    const server = serverWith(h, { only: false });
    expect(await post(server, { extensions: persisted(KNOWN) }, tenant.apiKey)).toEqual({ status: 200, body: ownCreditors(tenant) });
    expect(await post(server, { query: CREDITORS }, tenant.apiKey)).toEqual({ status: 200, body: ownCreditors(tenant) });
    expect((await post(server, { extensions: persisted(UNKNOWN) }, tenant.apiKey)).body.errors?.[0]?.message).toBe('PersistedQueryNotFound');
  });
});

describe('configuration', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'manifest-'));
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };
  const problemsOf = (env: NodeJS.ProcessEnv) => {
    try {
      readConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  test('reads the manifest, the mode and the open keys at start', () => {
    const manifest = file('ok.json', JSON.stringify({ [KNOWN]: CREDITORS }));
    const keyId = 'a'.repeat(24);
    const config = readConfig({ TRUSTED_DOCUMENTS_MANIFEST: manifest, TRUSTED_DOCUMENTS_ONLY: 'true', TRUSTED_DOCUMENTS_OPEN_KEYS: ` ${keyId} ,` });
    expect(config.trustedDocuments).toEqual({ documents: new Map([[KNOWN, CREDITORS]]), only: true, openKeyIds: new Set([keyId]) });
    expect(readConfig({}).trustedDocuments).toBeNull();
  });

  test('a missing, malformed or unparsable manifest stops the start, naming the variable', () => {
    expect(problemsOf({ TRUSTED_DOCUMENTS_MANIFEST: path.join(dir, 'absent.json') })).toEqual([
      `TRUSTED_DOCUMENTS_MANIFEST: cannot read ${path.join(dir, 'absent.json')} (ENOENT); fix the file or unset the variable.`,
    ]);
    const list = file('list.json', '["query { creditors { totalCount } }"]');
    expect(problemsOf({ TRUSTED_DOCUMENTS_MANIFEST: list })[0]).toContain('must hold one JSON object of hash → document');
    const broken = file('broken.json', JSON.stringify({ [KNOWN]: 'query {' }));
    expect(problemsOf({ TRUSTED_DOCUMENTS_MANIFEST: broken })[0]).toContain(`the document of "${KNOWN}" does not parse`);
  });

  test('persisted-only mode without a manifest, or an open key that is not a key id, is refused', () => {
    expect(problemsOf({ TRUSTED_DOCUMENTS_ONLY: 'true' })).toEqual([
      'TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS_MANIFEST: set the manifest path, or unset TRUSTED_DOCUMENTS_ONLY.',
    ]);
    // Not echoed: a whole key pasted there by mistake is a secret.
    expect(problemsOf({ TRUSTED_DOCUMENTS_OPEN_KEYS: 'cpk_secret' })).toEqual([
      'TRUSTED_DOCUMENTS_OPEN_KEYS is not valid: set it to comma-separated API key ids (24 hex characters each) that may send any document, or unset it.',
    ]);
  });
});
