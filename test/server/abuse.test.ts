import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { appOver, describe, expect, restTest } from '../support/fixtures.ts';
import { restClient } from '../support/rest.ts';

const LIMIT = 3;

/** The file's tenant is the busy one; the quiet one is another account. */
const test = restTest
  .override('tenantName', 'Busy')
  .extend('second', { scope: 'file' }, ({ harness }) => harness.createTenant('Quiet'))
  .extend('limited', { scope: 'file' }, appOver({ rateLimitPerMinute: LIMIT }))
  .extend(
    'visit',
    ({ harness: h }) =>
      (headers: Record<string, string>) =>
        h.app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html', ...headers } }),
  );

const graphql = (app: FastifyInstance, apiKey: string) =>
  app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    payload: JSON.stringify({ query: '{ creditors { totalCount } }' }),
  });

describe('a per-API-key rate limit (rateLimitPerMinute)', () => {
  test("answers 429 in each face's shape once a key has spent its budget; another key is not limited", async ({ harness: h, tenant, second, limited }) => {
    const rest = restClient(limited);
    for (let i = 0; i < LIMIT; i++) expect((await rest.get('/cases', { apiKey: tenant.apiKey })).status).toBe(200);

    const refused = await rest.get('/cases', { apiKey: tenant.apiKey });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      _status: 'ERR',
      _error: { code: 429, message: expect.stringMatching(/^Too many requests: at most 3 a minute per API key; retry in/) },
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // The budget is the key's, whichever face it calls.
    const refusedGraphql = await graphql(limited, tenant.apiKey);
    expect(refusedGraphql.statusCode).toBe(429);
    expect(refusedGraphql.headers['retry-after']).toBeDefined();
    expect(refusedGraphql.json()).toEqual({
      errors: [{ message: expect.stringMatching(/^Too many requests/), extensions: { code: 'RATE_LIMITED', http: { status: 429 } } }],
    });
    // Refused before the key is looked up: a flood costs no database work.
    h.queries.length = 0;
    expect((await rest.post('/creditor--payments', { amount: 1 }, { apiKey: tenant.apiKey })).status).toBe(429);
    expect(h.queries).toEqual([]);

    // The platform's probes are not counted: a busy address must not fail its health check.
    for (let i = 0; i < LIMIT * 2; i++) expect((await limited.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    // Another account's key has its own budget.
    expect((await graphql(limited, second.apiKey)).json()).toEqual({ data: { creditors: { totalCount: 1 } } });
    expect((await rest.get('/cases', { apiKey: second.apiKey })).status).toBe(200);
  });

  test('is off unless configured', async ({ harness: h, tenant }) => {
    for (let i = 0; i < LIMIT * 3; i++) expect((await graphql(h.app, tenant.apiKey)).statusCode).toBe(200);
  });
});

describe("GraphiQL's page", () => {
  test('is served compressed, and a revisit with its ETag gets 304 and no body', async ({ visit }) => {
    const plain = await visit({});
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();

    for (const [encoding, decode] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const page = await visit({ 'accept-encoding': `${encoding}, identity` });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-encoding']).toBe(encoding);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      // A fraction of the page's size on the wire, and the same page once decoded.
      expect(page.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
      expect(decode(page.rawPayload).toString()).toBe(plain.body);
      expect(page.headers.etag).toBe(plain.headers.etag);
    }
    expect(plain.body).toContain('GraphiQL');
    expect(plain.headers['cache-control']).toBe('private, no-cache');

    const revisit = await visit({ 'accept-encoding': 'br, gzip', 'if-none-match': plain.headers.etag as string });
    expect(revisit.statusCode).toBe(304);
    expect(revisit.rawPayload.length).toBe(0);
    // A stale copy gets the page again.
    expect((await visit({ 'if-none-match': 'W/"stale"' })).statusCode).toBe(200);
  });

  test('prefers br, and honours an encoding refused with q=0', async ({ visit }) => {
    expect((await visit({ 'accept-encoding': 'gzip, br' })).headers['content-encoding']).toBe('br');
    expect((await visit({ 'accept-encoding': 'gzip, br;q=0' })).headers['content-encoding']).toBe('gzip');
  });

  test('leaves GraphQL over HTTP as it was, for clients that accept compression too', async ({ harness: h, tenant }) => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey, 'accept-encoding': 'gzip, br' },
      payload: JSON.stringify({ query: '{ creditors { totalCount } }' }),
    });
    expect(response.json()).toEqual({ data: { creditors: { totalCount: 1 } } });
  });
});
