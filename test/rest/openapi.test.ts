import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import Fastify from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { createApp } from '../../src/app.ts';
import { closeCase } from '../../src/domain/cases.ts';
import { restRoutes } from '../../src/rest/routes.ts';
import { callImportRoutes, callImportRoutesOverLimit } from '../imports/documentedCalls.ts';
import { losingConnectionAtCommit } from '../support/faults.ts';
import { beforeAll, describe, expect, restTest as test } from '../support/fixtures.ts';
import {
  checkAgainstDocument,
  checkedResponses,
  checkRequestAgainstDocument,
  paymentBody,
  restClient,
  seedRequestBody,
  servedDocument,
} from '../support/rest.ts';

let openApiDocument: OpenAPIV3_1.Document;

beforeAll(async () => {
  openApiDocument = await servedDocument();
});

const operationsOf = (document: OpenAPIV3_1.Document) =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item ?? {}).map(([method, operation]) => ({ path, method, operation: operation as OpenAPIV3_1.OperationObject })),
  );

describe('/openapi.json', () => {
  test('is a valid OpenAPI 3.1 document by @readme/openapi-parser', async ({ harness: h }) => {
    const res = await h.rest.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(openApiDocument);
    const result = await validate(structuredClone(res.body));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.specification).toBe('OpenAPI');
    expect(res.body.openapi).toBe('3.1.0');
  });

  test('documents exactly the operations the REST adapter serves', async ({ harness: h }) => {
    const probe = Fastify({ logger: false });
    const served: string[] = [];
    probe.addHook('onRoute', (route) => {
      const methods = [route.method].flat().filter((m) => m === 'GET' || m === 'POST' || m === 'OPTIONS');
      if ((route.config as { methodNotAllowed?: boolean } | undefined)?.methodNotAllowed) return;
      for (const m of methods) served.push(`${m} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    });
    await probe.register(restRoutes, { db: h.db });
    await probe.ready();
    await probe.close();
    const documented = operationsOf(openApiDocument).map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(served.sort()).toEqual(documented.sort());
    // A route without a schema would still be listed, with a made-up "Default Response".
    for (const { path, method, operation } of operationsOf(openApiDocument)) {
      expect(operation.operationId, `${method} ${path}`).toBeTruthy();
      for (const [status, answer] of Object.entries(operation.responses ?? {})) {
        expect((answer as OpenAPIV3_1.ResponseObject).description, `${method} ${path} ${status}`).not.toBe('Default Response');
      }
    }
  });

  test("accepts the seed's example request under its PaymentRegistration schema, and refuses unknown fields", async () => {
    const document = (await dereference(structuredClone(openApiDocument) as unknown as OpenAPIV3_1.Document)) as OpenAPIV3_1.Document;
    const validateBody = new Ajv2020({ allowUnionTypes: true }).compile(document.components!.schemas!.PaymentRegistration!);
    const seed = seedRequestBody({ account: '674dbeaf08847b9501cc9132', creditor: '674dbeb208847b9501cc9138', case: '68678eda88b9226bb78d7169' });
    expect(validateBody(seed)).toBe(true);
    expect(validateBody({ ...seed, payer: 'x' })).toBe(false);
    const { case: _case, ...withoutCase } = seed;
    expect(validateBody(withoutCase)).toBe(false);
    expect(validateBody({ ...withoutCase, invoice_number: 'INV-1' })).toBe(true);
  });

  test('describes every real response: each documented status of each operation, checked against its schema', async ({ harness: h, tenant }) => {
    checkedResponses.clear();
    const key = { apiKey: tenant.apiKey };
    const theCase = await tenant.openCase({ capital: '100.00' });
    const closed = await tenant.openCase({ capital: '100.00' });
    await closeCase(h.db, closed.id);
    const body = paymentBody(tenant.creditorId, theCase.id, { creditor_payment_reference: 'DOC-1', amount: 150 });

    // POST: 201, 200 (replay), 409, 422, 400, 401, 413, 415, 503.
    const created = await h.rest.post('/creditor--payments', body, key);
    expect(created.status).toBe(201);
    expect((await h.rest.post('/creditor--payments', body, key)).status).toBe(200);
    expect((await h.rest.post('/creditor--payments', { ...body, amount: 1 }, key)).status).toBe(409);
    expect((await h.rest.post('/creditor--payments', { ...body, amount: -1, origin: 'x', creditor_payment_reference: null }, key)).status).toBe(422);
    expect((await h.rest.post('/creditor--payments', '{', key)).status).toBe(400);
    expect((await h.rest.post('/creditor--payments', body)).status).toBe(401);
    expect((await h.rest.post('/creditor--payments', { pad: 'x'.repeat(1_100_000) }, key)).status).toBe(413);
    expect((await h.rest.request('POST', '/creditor--payments', { ...key, body: 'a=1', headers: { 'content-type': 'application/xml' } })).status).toBe(415);
    // 503: the database connection lost during COMMIT and the payment not found (test/reliability/connectionLoss.test.ts).
    const cutApp = await createApp({ db: losingConnectionAtCommit(h.db, { committed: false }), logLevel: 'silent' });
    expect((await restClient(cutApp).post('/creditor--payments', { ...body, creditor_payment_reference: 'DOC-503' }, key)).status).toBe(503);
    await cutApp.close();
    // A payment with nulls where they apply: no settlement on a closed case.
    const onClosed = await h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, closed.id, { amount: 5 }), key);
    expect(onClosed.body).toMatchObject({ booking_date: null, status: 'error' });

    for (const [list, item] of [
      ['/creditor--payments', `/creditor--payments/${created.body._id}`],
      ['/cases', `/cases/${theCase.id}`],
    ] as const) {
      expect((await h.rest.get(`${list}?max_results=1`, key)).status).toBe(200);
      expect((await h.rest.get(`${list}?max_results=1&page=2`, key)).status).toBe(200);
      expect((await h.rest.get(`${list}?where=nope`, key)).status).toBe(400);
      expect((await h.rest.get(list)).status).toBe(401);
      const found = await h.rest.get(item, key);
      expect(found.status).toBe(200);
      expect((await h.rest.get(item, { ...key, headers: { 'if-none-match': found.headers.etag as string } })).status).toBe(304);
      expect((await h.rest.get(item, { ...key, headers: { 'if-modified-since': found.headers['last-modified'] as string } })).status).toBe(304);
      expect((await h.rest.get(item)).status).toBe(401);
      expect((await h.rest.get(item.replace(/[0-9a-f]{24}$/, 'f'.repeat(24)), key)).status).toBe(404);
    }
    expect((await h.rest.get(`/creditor--payments/${onClosed.body._id}`, key)).status).toBe(200);
    expect((await h.rest.get('/openapi.json')).status).toBe(200);
    // Eve's home document, and OPTIONS on every path (no key needed).
    expect((await h.rest.get('/', key)).status).toBe(200);
    expect((await h.rest.get('/')).status).toBe(401);
    const optionPaths = ['/', '/creditor--payments', `/creditor--payments/${created.body._id}`, '/cases', `/cases/${theCase.id}`];
    for (const url of optionPaths) expect((await h.rest.request('OPTIONS', url)).status).toBe(200);
    // 414: an id over 100 characters, refused by the router.
    for (const item of ['/creditor--payments/', '/cases/']) expect((await h.rest.get(item + 'a'.repeat(101), key)).status).toBe(414);
    // The file imports: every status of their four operations.
    const reportId = await callImportRoutes(h.app, tenant.apiKey, tenant.creditorId, theCase.id);
    // 429: a server with a rate limit of 1 a minute, whose one request is spent first.
    const limited = await createApp({ db: h.db, logLevel: 'silent', rateLimitPerMinute: 1 });
    try {
      const client = restClient(limited);
      expect((await client.get('/cases', key)).status).toBe(200);
      expect((await client.post('/creditor--payments', body, key)).status).toBe(429);
      for (const url of ['/', '/creditor--payments', `/creditor--payments/${created.body._id}`, '/cases', `/cases/${theCase.id}`, '/openapi.json']) {
        expect((await client.get(url, key)).status).toBe(429);
      }
      for (const url of optionPaths) expect((await client.request('OPTIONS', url, key)).status).toBe(429);
      await callImportRoutesOverLimit(limited, tenant.apiKey, reportId);
    } finally {
      await limited.close();
    }

    const documented = operationsOf(openApiDocument).flatMap(({ path, method, operation }) =>
      Object.keys(operation.responses ?? {}).map((status) => `${method.toUpperCase()} ${path} ${status}`),
    );
    expect([...checkedResponses].sort()).toEqual(documented.sort());
  });

  test('catches a response that strays from the document', async ({ harness: h, tenant }) => {
    const real = await h.rest.get('/cases?max_results=1', { apiKey: tenant.apiKey });
    const strayed = { ...real, body: { ...real.body, _meta: { ...real.body._meta, total: '1' } } };
    await expect(checkAgainstDocument('GET', '/cases', strayed)).rejects.toThrow(/does not match openapi.json/);
    const undocumented = { ...real, status: 418 };
    await expect(checkAgainstDocument('GET', '/cases', undocumented)).rejects.toThrow(/not documented/);
  });

  test('catches a registration the API accepted that the document would refuse', async ({ harness: h, tenant }) => {
    const body = paymentBody(tenant.creditorId, (await tenant.openCase({ capital: '10.00' })).id, { amount: 1 });
    const created = await h.rest.post('/creditor--payments', body, { apiKey: tenant.apiKey });
    expect(created.status).toBe(201);
    await expect(checkRequestAgainstDocument('POST', '/creditor--payments', JSON.stringify(body), created)).resolves.toBeUndefined();
    for (const refused of [
      { ...body, payer: 'x' },
      { ...body, amount: '1.00' },
      { ...body, currency: 'EUR' },
    ]) {
      await expect(checkRequestAgainstDocument('POST', '/creditor--payments', JSON.stringify(refused), created)).rejects.toThrow(
        /accepted a body openapi.json refuses/,
      );
    }
  });
});
