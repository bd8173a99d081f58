import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../support/database.ts';
import type { Tenant } from '../support/harness.ts';
import { paymentBody } from '../support/rest.ts';
import { createObservedApp, LEVEL, type LogLine, logCapture } from './support.ts';

const log = logCapture();
let h: Awaited<ReturnType<typeof createObservedApp>>;
let tenant: Tenant;
let caseId: string;

beforeAll(async () => {
  h = await createObservedApp({ logLevel: 'info', logStream: log.stream });
  tenant = await h.createTenant('Logged');
  caseId = (await tenant.openCase({ capital: '100.00' })).id;
});
afterAll(() => h?.close());

const PAYMENTS = 'query RecentPayments { payments(first: 5) { edges { node { id } } } }';

/** An app of its own at `level` (for a test that changes its logging or breaks its database), closed afterwards. */
async function withOwnApp(level: string, run: (app: Awaited<ReturnType<typeof createObservedApp>>, lines: LogLine[]) => Promise<void>) {
  const own = logCapture();
  const app = await createObservedApp({ logLevel: level, logStream: own.stream });
  try {
    await run(app, own.lines);
  } finally {
    await app.close();
  }
}

/** Every line of the request that answered with this id, and the id itself. */
function linesOf(headers: Record<string, unknown>) {
  const id = headers['x-request-id'];
  expect(typeof id).toBe('string');
  const lines = log.of(id as string);
  expect(lines.length).toBeGreaterThan(0);
  return lines;
}

describe('request ids', () => {
  it("keeps a caller's sane x-request-id, echoes it and puts it on every line of the request", async () => {
    const before = log.lines.length;
    const answer = await h.graphql(tenant.apiKey, PAYMENTS, {}, { 'x-request-id': 'trace-42.abc:7' });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-request-id']).toBe('trace-42.abc:7');
    const lines = log.lines.slice(before);
    expect(lines.length).toBeGreaterThanOrEqual(2); // incoming request, request completed
    expect(lines.every((l) => l.reqId === 'trace-42.abc:7')).toBe(true);
  });

  it('replaces an id that is too long or carries unsafe characters with a generated one', async () => {
    for (const sent of ['x'.repeat(129), 'id with spaces', 'evil\u001b[31m', '<script>', 'a"b']) {
      const answer = await h.rest('GET', '/cases', tenant.apiKey, undefined, { 'x-request-id': sent });
      const echoed = answer.headers['x-request-id'] as string;
      expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
      expect(log.lines.some((l) => l.reqId === sent)).toBe(false);
      expect(log.of(echoed).length).toBeGreaterThan(0);
    }
  });

  it('generates a different id for each request that sends none, on REST, GraphQL and unknown paths', async () => {
    const ids = [
      (await h.rest('GET', '/cases', tenant.apiKey)).headers['x-request-id'],
      (await h.graphql(tenant.apiKey, PAYMENTS)).headers['x-request-id'],
      (await h.rest('GET', '/nowhere', null)).headers['x-request-id'],
    ];
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GraphQL lines name the operation', () => {
  it('puts operationName on the lines after parsing, "request completed" included', async () => {
    const answer = await h.graphql(tenant.apiKey, PAYMENTS);
    const lines = linesOf(answer.headers);
    const completed = lines.find((l) => l.msg === 'request completed');
    expect(completed?.operationName).toBe('RecentPayments');
  });

  it('names an unnamed operation "anonymous" and picks the one the request chose', async () => {
    const anonymous = await h.graphql(tenant.apiKey, '{ creditors { totalCount } }');
    expect(linesOf(anonymous.headers).find((l) => l.msg === 'request completed')?.operationName).toBe('anonymous');
    const response = await h.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      payload: JSON.stringify({ query: 'query First { creditors { totalCount } } query Second { cases { totalCount } }', operationName: 'Second' }),
    });
    expect(response.statusCode).toBe(200);
    expect(linesOf(response.headers).find((l) => l.msg === 'request completed')?.operationName).toBe('Second');
  });
});

describe("Yoga's own lines", () => {
  it("go through the request's logger: at debug level they carry the request id", () =>
    withOwnApp('debug', async (verbose, lines) => {
      const t = await verbose.createTenant('Verbose');
      const answer = await verbose.graphql(t.apiKey, PAYMENTS, {}, { 'x-request-id': 'yoga-debug-1' });
      expect(answer.status).toBe(200);
      const yogaLines = lines.filter((l) => /GraphQL Parameters/.test(l.msg));
      expect(yogaLines.length).toBeGreaterThan(0);
      expect(yogaLines.every((l) => l.reqId === 'yoga-debug-1' && l.level === LEVEL.debug)).toBe(true);
    }));
});

describe('client mistakes are not logged as errors', () => {
  const noErrors = (lines: { level: number }[]) => expect(lines.filter((l) => l.level >= LEVEL.error)).toEqual([]);

  it('GraphQL: no key, a syntax error, a validation error, a bad argument, a limit refused, bad input to registerPayment', async () => {
    const answers = [
      await h.graphql(null, PAYMENTS),
      await h.graphql(tenant.apiKey, 'query Broken { payments('),
      await h.graphql(tenant.apiKey, 'query Unknown { nothingHere }'),
      await h.graphql(tenant.apiKey, 'query TooMany { payments(first: 5000) { totalCount } }'),
      await h.graphql(tenant.apiKey, 'query BadCursor { payments(after: "not-a-cursor") { totalCount } }'),
      await h.graphql(tenant.apiKey, `query Aliases { ${Array.from({ length: 200 }, (_, i) => `a${i}: creditors { totalCount }`).join(' ')} }`),
      await h.graphql(tenant.apiKey, 'mutation Bad($input: RegisterPaymentInput!) { registerPayment(input: $input) { userErrors { field } } }', {
        input: { creditor: tenant.creditorId, case: caseId, currency: 'SEK', amount: '-1', bankTransactionDate: '2025-07-04', origin: 'creditor_system' },
      }),
    ];
    expect(answers.map((a) => (a.status === 200 && !a.body.errors ? 'ok' : 'refused'))).toEqual([
      'refused',
      'refused',
      'refused',
      'refused',
      'refused',
      'refused',
      'ok',
    ]);
    for (const answer of answers) noErrors(linesOf(answer.headers));
  });

  it('REST: no key, malformed JSON, a bad where, invalid input, an unknown id, an unknown path', async () => {
    const answers = [
      await h.rest('GET', '/creditor--payments', null),
      await h.rest('POST', '/creditor--payments', tenant.apiKey, '{"creditor": '),
      await h.rest('GET', '/creditor--payments?where={oops', tenant.apiKey),
      await h.rest('POST', '/creditor--payments', tenant.apiKey, paymentBody(tenant.creditorId, caseId, { amount: -5 })),
      await h.rest('GET', '/cases/000000000000000000000000', tenant.apiKey),
      await h.rest('GET', '/nowhere', tenant.apiKey),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 400, 400, 422, 404, 404]);
    for (const answer of answers) noErrors(linesOf(answer.headers));
  });
});

describe('a real failure is logged once, at error level, with the error and the request id', () => {
  it('on GraphQL and on REST', async () => {
    // Last in this file: the table is gone for good.
    await h.db.$executeRawUnsafe(onPostgres ? 'DROP TABLE "Payment" CASCADE' : 'DROP TABLE "Payment"');
    const graphql = await h.graphql(tenant.apiKey, PAYMENTS, {}, { 'x-request-id': 'failing-graphql' });
    expect(graphql.body.errors[0].message).toBe('Unexpected error.');
    const rest = await h.rest('GET', '/creditor--payments', tenant.apiKey, undefined, { 'x-request-id': 'failing-rest' });
    expect(rest.status).toBe(500);

    const graphqlErrors = log.of('failing-graphql').filter((l) => l.level >= LEVEL.error);
    expect(graphqlErrors).toHaveLength(1);
    expect(graphqlErrors[0]).toMatchObject({
      level: LEVEL.error,
      operationName: 'RecentPayments',
      err: { type: expect.any(String), stack: expect.any(String) },
    });
    const restErrors = log.of('failing-rest').filter((l) => l.level >= LEVEL.error);
    expect(restErrors).toHaveLength(1);
    expect(restErrors[0]).toMatchObject({ level: LEVEL.error, err: { stack: expect.any(String) } });
  });
});

describe('an unexpected error', () => {
  it("is logged once, at error level, with the request's id and operation", () =>
    withOwnApp('info', async (broken, lines) => {
      const t = await broken.createTenant('Broken');
      // The key lookup fails: Yoga masks the error itself, outside any resolver.
      await broken.db.$executeRawUnsafe(onPostgres ? 'DROP TABLE "ApiKey" CASCADE' : 'DROP TABLE "ApiKey"');
      const answer = await broken.graphql(t.apiKey, PAYMENTS, {}, { 'x-request-id': 'broken-1' });
      expect(answer.status).toBe(500);
      await new Promise((resolve) => setImmediate(resolve));
      const errors = lines.filter((l) => l.msg === 'unexpected error in a GraphQL request');
      expect(errors.map((l) => [l.reqId, l.operationName, l.level])).toEqual([['broken-1', 'RecentPayments', LEVEL.error]]);
    }));
});
