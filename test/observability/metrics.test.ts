import { afterAll, it as base, beforeAll, describe, expect } from 'vitest';
import { MAX_OPERATION_NAMES } from '../../src/observability/metrics.ts';
import { onPostgres } from '../support/database.ts';
import type { Tenant } from '../support/harness.ts';
import { paymentBody } from '../support/rest.ts';
import { createObservedApp } from './support.ts';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus text exposition, parsed into samples. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with exactly these labels (0 when there is none, as Prometheus reads an absent counter). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

const RECENT = 'query RecentPayments { payments(first: 5) { edges { node { id } } } }';
const REGISTER = 'mutation Register($input: RegisterPaymentInput!) { registerPayment(input: $input) { replayed payment { status } userErrors { code } } }';

let h: Awaited<ReturnType<typeof createObservedApp>>;
let tenant: Tenant;

beforeAll(async () => {
  h = await createObservedApp();
  tenant = await h.createTenant('Measured');
});
afterAll(() => h?.close());

/** `other`: another observed app on a database of its own, closed after the test (`createOther` for other settings). */
const it = base
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  .extend('createOther', async ({}, { onCleanup }) => async (config: Parameters<typeof createObservedApp>[0] = {}) => {
    const app = await createObservedApp(config);
    onCleanup(() => app.close());
    return app;
  })
  .extend('other', ({ createOther }) => createOther());

async function scrape(app = h.app) {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(response.body);
}

describe('/metrics', () => {
  it('counts requests by face, operation and outcome, and registrations by status, with exact values', async () => {
    const open = (await tenant.openCase({ capital: '100.00' })).id;
    const closedSoon = (await tenant.openCase({ capital: '50.00' })).id;
    const input = (caseId: string, amount: string, reference: string) => ({
      creditor: tenant.creditorId,
      case: caseId,
      currency: 'SEK',
      amount,
      bankTransactionDate: '2025-07-04',
      creditorPaymentReference: reference,
      origin: 'creditor_system',
    });

    await h.graphql(tenant.apiKey, RECENT);
    await h.graphql(tenant.apiKey, RECENT);
    await h.graphql(null, RECENT); // 401
    await h.graphql(tenant.apiKey, 'query Broken { payments('); // 400
    const first = await h.graphql(tenant.apiKey, REGISTER, { input: input(open, '40.00', 'M-1') });
    expect(first.body.data.registerPayment).toEqual({ replayed: false, payment: { status: 'COMPLETED' }, userErrors: [] });
    const replay = await h.graphql(tenant.apiKey, REGISTER, { input: input(open, '40.00', 'M-1') });
    expect(replay.body.data.registerPayment.replayed).toBe(true);
    const conflict = await h.graphql(tenant.apiKey, REGISTER, { input: input(open, '41.00', 'M-1') });
    expect(conflict.body.data.registerPayment.userErrors).toEqual([{ code: 'CONFLICT' }]);

    expect((await h.rest('POST', '/creditor--payments', tenant.apiKey, paymentBody(tenant.creditorId, open, { amount: 100 }))).status).toBe(201); // overpayment: warning
    expect((await h.rest('POST', '/creditor--payments', tenant.apiKey, paymentBody(tenant.creditorId, open, { amount: 5 }))).status).toBe(201); // case paid: warning
    expect((await h.rest('POST', '/creditor--payments', tenant.apiKey, paymentBody(tenant.creditorId, closedSoon, { amount: -1 }))).status).toBe(422);
    expect((await h.rest('GET', '/cases', tenant.apiKey)).status).toBe(200);
    expect((await h.rest('GET', `/cases/${open}`, tenant.apiKey)).status).toBe(200);
    expect((await h.rest('GET', '/cases/000000000000000000000000', tenant.apiKey)).status).toBe(404);
    expect((await h.rest('GET', '/cases', null)).status).toBe(401);
    expect((await h.rest('GET', '/no-such-path', null)).status).toBe(404);

    const samples = await scrape();
    const requests = (face: string, operation: string, outcome: string) => value(samples, 'http_requests_total', { face, operation, outcome });
    expect(requests('graphql', 'RecentPayments', '2xx')).toBe(2);
    expect(requests('graphql', 'RecentPayments', '4xx')).toBe(1);
    expect(requests('graphql', 'none', 'error')).toBe(1); // the document did not parse (Yoga answers a JSON client 200)
    expect(requests('graphql', 'Register', '2xx')).toBe(3); // userErrors are data
    expect(requests('rest', 'POST /creditor--payments', '2xx')).toBe(2);
    expect(requests('rest', 'POST /creditor--payments', '4xx')).toBe(1);
    expect(requests('rest', 'GET /cases', '2xx')).toBe(1);
    expect(requests('rest', 'GET /cases', '4xx')).toBe(1);
    expect(requests('rest', 'GET /cases/:id', '2xx')).toBe(1);
    expect(requests('rest', 'GET /cases/:id', '4xx')).toBe(1);
    expect(requests('other', 'unmatched', '4xx')).toBe(1);
    expect(value(samples, 'http_request_duration_seconds_count', { face: 'graphql', operation: 'RecentPayments', outcome: '2xx' })).toBe(2);
    expect(value(samples, 'http_request_duration_seconds_bucket', { face: 'graphql', operation: 'RecentPayments', outcome: '2xx', le: '+Inf' })).toBe(2);

    const registered = (face: string, status: string, replayed: string) => value(samples, 'payment_registrations_total', { face, status, replayed });
    expect(registered('graphql', 'completed', 'false')).toBe(1);
    expect(registered('graphql', 'completed', 'true')).toBe(1);
    expect(registered('rest', 'warning', 'false')).toBe(2);
    expect(registered('rest', 'completed', 'false')).toBe(0);
    expect(value(samples, 'payment_registrations_refused_total', { face: 'graphql', reason: 'conflict' })).toBe(1);
    expect(value(samples, 'payment_registrations_refused_total', { face: 'rest', reason: 'invalid' })).toBe(1);

    // Yoga's Prometheus plugin: operations executed (the 401 and the syntax error never ran).
    expect(value(samples, 'graphql_envelop_request', { operationName: 'RecentPayments', operationType: 'query' })).toBe(2);
    expect(value(samples, 'graphql_envelop_request', { operationName: 'Register', operationType: 'mutation' })).toBe(3);
    // The process' own metrics come along.
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('counts a GraphQL result holding an unexpected error as outcome "error", not 2xx', async ({ other }) => {
    const t = await other.createTenant('Failing');
    await other.db.$executeRawUnsafe(onPostgres ? 'DROP TABLE "Payment" CASCADE' : 'DROP TABLE "Payment"');
    const answer = await other.graphql(t.apiKey, RECENT);
    expect(answer.status).toBe(200);
    expect(answer.body.errors[0].message).toBe('Unexpected error.');
    const samples = await scrape(other.app);
    expect(value(samples, 'http_requests_total', { face: 'graphql', operation: 'RecentPayments', outcome: 'error' })).toBe(1);
    expect(value(samples, 'http_requests_total', { face: 'graphql', operation: 'RecentPayments', outcome: '2xx' })).toBe(0);
  });

  it('answers without an API key, and each app counts only its own requests', async ({ other }) => {
    const t = await other.createTenant('Other');
    await other.graphql(t.apiKey, RECENT);
    const mine = await scrape();
    const theirs = await scrape(other.app);
    expect(value(theirs, 'http_requests_total', { face: 'graphql', operation: 'RecentPayments', outcome: '2xx' })).toBe(1);
    expect(value(mine, 'http_requests_total', { face: 'graphql', operation: 'RecentPayments', outcome: '2xx' })).toBe(2);
  });

  it('exports the PostgreSQL pool use (none on SQLite)', async () => {
    const samples = await scrape();
    if (onPostgres) {
      expect(value(samples, 'db_pool_max_connections')).toBe(10);
      expect(value(samples, 'db_pool_connections')).toBeGreaterThanOrEqual(1);
      expect(value(samples, 'db_pool_connections_idle')).toBeLessThanOrEqual(value(samples, 'db_pool_connections'));
      expect(value(samples, 'db_pool_waiting_queries')).toBe(0);
    } else {
      expect(samples.some((s) => s.name.startsWith('db_pool_'))).toBe(false);
    }
  });

  it('keeps client-chosen operation names from growing the series without bound', async () => {
    const names = Array.from({ length: MAX_OPERATION_NAMES + 50 }, (_, i) => `Probe${i}`);
    for (const name of names) await h.graphql(tenant.apiKey, `query ${name} { creditors { totalCount } }`);
    await h.graphql(tenant.apiKey, `query ${'L'.repeat(500)} { creditors { totalCount } }`);
    const samples = await scrape();
    const operations = new Set(samples.filter((s) => s.name === 'http_requests_total').map((s) => s.labels.operation));
    expect(operations.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 20); // the names, REST routes, "other", "none", ...
    // Every GraphQL metric (the operation count, its duration, each phase's time, errors) is bounded alike.
    const labelled = samples.filter((s) => s.labels.operationName !== undefined);
    const metricsWithNames = new Set(labelled.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')));
    expect([...metricsWithNames].sort()).toEqual(
      [
        'graphql_envelop_error_result',
        'graphql_envelop_phase_context',
        'graphql_envelop_phase_execute',
        'graphql_envelop_phase_parse',
        'graphql_envelop_phase_validate',
        'graphql_envelop_request',
        'graphql_envelop_request_duration',
      ].sort(),
    );
    for (const metric of metricsWithNames) {
      const names = new Set(labelled.filter((s) => s.name.startsWith(metric)).map((s) => s.labels.operationName));
      expect(names.size, metric).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 2); // and "other", "anonymous"
    }
    expect(value(samples, 'http_requests_total', { face: 'graphql', operation: 'other', outcome: '2xx' })).toBeGreaterThanOrEqual(51);
  });
});

describe('metrics: false', () => {
  it('serves no /metrics', async ({ createOther }) => {
    const off = await createOther({ metrics: false });
    const response = await off.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(404);
  });
});
