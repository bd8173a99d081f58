import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { observe } from '../../src/observability/index.ts';
import { Tracing } from '../../src/observability/tracing.ts';
import { onPostgres } from '../support/database.ts';
import type { Tenant } from '../support/harness.ts';
import { createObservedApp } from './support.ts';

const exporter = new InMemorySpanExporter();
let h: Awaited<ReturnType<typeof createObservedApp>>;
let tenant: Tenant;

beforeAll(async () => {
  h = await createObservedApp({ tracing: { exporter, serviceName: 'payments-under-test' } });
  tenant = await h.createTenant('Traced');
});
afterAll(() => h?.close());

/** The spans finished so far, once `count` of them are there (spans end after the answer is sent). */
async function spans(count: number): Promise<ReadableSpan[]> {
  return vi.waitFor(() => {
    const finished = exporter.getFinishedSpans();
    expect(finished.length).toBeGreaterThanOrEqual(count);
    return finished;
  });
}

describe('traces', () => {
  it('a GraphQL request: a server span for the request and one for the operation beneath it, named after it', async () => {
    exporter.reset();
    const answer = await h.graphql(tenant.apiKey, 'query RecentPayments { payments(first: 3) { totalCount } }');
    expect(answer.status).toBe(200);
    const finished = await spans(2);
    const request = finished.find((s) => s.name === 'POST /graphql');
    const operation = finished.find((s) => s.name === 'query.RecentPayments');
    expect(request?.kind).toBe(SpanKind.SERVER);
    expect(request?.attributes).toMatchObject({ 'graphql.operation.name': 'RecentPayments', 'http.route': '/graphql', 'http.response.status_code': 200 });
    expect(operation?.attributes['graphql.execute.operationName']).toBe('RecentPayments');
    expect(operation?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(operation?.spanContext().traceId).toBe(request?.spanContext().traceId);
    expect(request?.resource.attributes['service.name']).toBe('payments-under-test');
    // Root fields only: no span per resolver.
    expect(finished.filter((s) => s.name.includes('Payment') && s.name !== 'query.RecentPayments')).toEqual([]);
    expect(finished).toHaveLength(2);
  });

  it("a REST request: a server span named after its route, in the caller's trace when it sends traceparent", async () => {
    exporter.reset();
    const caseId = (await tenant.openCase({ capital: '10.00' })).id;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const answer = await h.rest('GET', `/cases/${caseId}`, tenant.apiKey, undefined, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(answer.status).toBe(200);
    const [span] = await spans(1);
    expect(span?.name).toBe('GET /cases/:id');
    expect(span?.attributes).toMatchObject({ 'http.route': '/cases/:id', 'http.request.method': 'GET', 'http.response.status_code': 200 });
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });

  it('marks a failed request (500) as an error', async () => {
    // Its own exporter: closing the app shuts its exporter down.
    const own = new InMemorySpanExporter();
    const other = await createObservedApp({ tracing: { exporter: own } });
    try {
      const t = await other.createTenant('Broken');
      await other.db.$executeRawUnsafe(onPostgres ? 'DROP TABLE "Case" CASCADE' : 'DROP TABLE "Case"');
      expect((await other.rest('GET', '/cases', t.apiKey)).status).toBe(500);
      const span = await vi.waitFor(() => {
        const [finished] = own.getFinishedSpans();
        expect(finished).toBeDefined();
        return finished!;
      });
      expect(span.name).toBe('GET /cases');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      await other.close();
    }
  });
});

describe('OTLP export', () => {
  it("sends the spans to the endpoint's /v1/traces over HTTP, at the latest when the app closes", async () => {
    const received: { url?: string; contentType?: string; bytes: number }[] = [];
    const collector = createServer((request: IncomingMessage, response) => {
      let bytes = 0;
      request.on('data', (chunk: Buffer) => (bytes += chunk.length));
      request.on('end', () => {
        received.push({ url: request.url, contentType: request.headers['content-type'], bytes });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const exported = await createObservedApp({ tracing: { otlpEndpoint: endpoint } });
    try {
      const t = await exported.createTenant('Exported');
      expect((await exported.rest('GET', '/cases', t.apiKey)).status).toBe(200);
    } finally {
      await exported.close();
      collector.close();
    }
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(received[0]).toMatchObject({ url: '/v1/traces' });
    expect(received[0]!.bytes).toBeGreaterThan(0);
  });
});

describe('tracing off (the default)', () => {
  it('installs no tracing plugin and starts no span', async () => {
    expect((await observe(Fastify(), { metrics: false })).graphqlPlugins).toHaveLength(1); // the operation name into logs
    expect((await observe(Fastify(), { metrics: false, tracing: {} })).graphqlPlugins).toHaveLength(1);
    expect((await observe(Fastify(), { metrics: false, tracing: { exporter: new InMemorySpanExporter() } })).graphqlPlugins.length).toBeGreaterThan(1);

    const started = vi.spyOn(Tracing.prototype, 'startRequest');
    const plugins = vi.spyOn(Tracing.prototype, 'graphqlPlugin');
    const off = await createObservedApp();
    try {
      const t = await off.createTenant('Untraced');
      expect((await off.graphql(t.apiKey, '{ creditors { totalCount } }')).status).toBe(200);
      expect((await off.rest('GET', '/cases', t.apiKey)).status).toBe(200);
      expect(started).not.toHaveBeenCalled();
      expect(plugins).not.toHaveBeenCalled();
    } finally {
      started.mockRestore();
      plugins.mockRestore();
      await off.close();
    }
  });
});
