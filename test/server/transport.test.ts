import { connect, type Socket } from 'node:net';
import { DEFAULT_TIMEOUTS } from '../../src/http/transport.ts';
import { appOver, test as base, describe, expect } from '../support/fixtures.ts';

// Short deadlines, so each attack is cut within a second or two of its start.
const TIMEOUTS = { requestMs: 1_000, headersMs: 600, keepAliveMs: 400, connectionMs: 1_500 };
/** Far beyond every deadline above: a socket still open by then was never going to be closed. */
const NEVER_MS = 6_000;

interface Watched {
  socket: Socket;
  received: () => string;
  /** Milliseconds from connecting until the server closed the socket; null if it stayed open for NEVER_MS. */
  closedAfter: Promise<number | null>;
}

/** Writes one byte of `text` every `everyMs` until the socket closes or the text ends. */
function drip(socket: Socket, text: string, everyMs: number): () => void {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || at >= text.length) return clearInterval(timer);
    socket.write(text[at++]!);
  }, everyMs);
  return () => clearInterval(timer);
}

const test = base
  .override('tenantName', 'Transport')
  /** A real listening server with the short deadlines above. */
  .extend('server', { scope: 'file' }, appOver({ timeouts: TIMEOUTS }))
  .extend('port', { scope: 'file' }, async ({ server }) => {
    await server.listen({ port: 0, host: '127.0.0.1' });
    return (server.server.address() as { port: number }).port;
  })
  .extend('open', ({ port }) => (): Promise<Watched> => {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('error', () => {});
      socket.once('connect', () => {
        const started = Date.now();
        const closedAfter = new Promise<number | null>((done) => {
          const timer = setTimeout(() => done(null), NEVER_MS);
          socket.once('close', () => {
            clearTimeout(timer);
            done(Date.now() - started);
          });
        });
        resolve({ socket, received: () => received, closedAfter });
      });
      socket.once('error', reject);
    });
  })
  .extend('plain', { scope: 'file' }, appOver({}))
  /** An ordinary client, answered while the attacks run. */
  .extend('ordinaryRequest', ({ port, tenant }) => async (): Promise<number> => {
    const started = Date.now();
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      body: JSON.stringify({ query: '{ creditors { totalCount } }' }),
    });
    expect(await response.json()).toEqual({ data: { creditors: { totalCount: 1 } } });
    return Date.now() - started;
  });

describe('deadlines for slow and silent clients (a real listening server)', () => {
  test('cuts a body sent a byte at a time at the request deadline, with or without an API key, and answers others meanwhile', async ({
    tenant,
    open,
    ordinaryRequest,
  }) => {
    const body = JSON.stringify({ query: '{ creditors { totalCount } }' });
    const attacks = await Promise.all(
      [{ 'x-api-key': tenant.apiKey }, {}].map(async (headers) => {
        const watched = await open();
        const head = Object.entries({ 'content-type': 'application/json', 'content-length': String(body.length), ...headers })
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('');
        watched.socket.write(`POST /graphql HTTP/1.1\r\nhost: localhost\r\n${head}\r\n`);
        const stop = drip(watched.socket, body, 100);
        return { watched, stop };
      }),
    );
    // Meanwhile: ordinary requests are answered promptly.
    for (let i = 0; i < 3; i++) expect(await ordinaryRequest()).toBeLessThan(1_000);
    for (const { watched, stop } of attacks) {
      const closedAfter = await watched.closedAfter;
      stop();
      expect(closedAfter, 'the dripping connection was never closed').not.toBeNull();
      expect(closedAfter!).toBeGreaterThanOrEqual(TIMEOUTS.requestMs - 100);
      expect(closedAfter!).toBeLessThan(TIMEOUTS.requestMs + 2_000);
      // Told why, in the REST error envelope.
      expect(watched.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(watched.received()).toContain('"_status":"ERR"');
    }
  });

  test('cuts headers sent a byte at a time at the headers deadline', async ({ open }) => {
    const watched = await open();
    const stop = drip(watched.socket, `GET /health HTTP/1.1\r\nhost: localhost\r\nx-padding: ${'a'.repeat(200)}\r\n\r\n`, 100);
    const closedAfter = await watched.closedAfter;
    stop();
    expect(closedAfter, 'the connection was never closed').not.toBeNull();
    expect(closedAfter!).toBeLessThan(TIMEOUTS.headersMs + 2_000);
    expect(watched.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  test('closes a socket that never sends anything', async ({ open, ordinaryRequest }) => {
    const silent = await open();
    expect(await ordinaryRequest()).toBeLessThan(1_000);
    const closedAfter = await silent.closedAfter;
    expect(closedAfter, 'the silent connection was never closed').not.toBeNull();
    expect(closedAfter!).toBeLessThan(TIMEOUTS.connectionMs + 2_000);
  });

  test('closes an idle keep-alive connection after the keep-alive deadline', async ({ open }) => {
    const watched = await open();
    watched.socket.write('GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n');
    const closedAfter = await watched.closedAfter;
    expect(watched.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(closedAfter, 'the idle connection was never closed').not.toBeNull();
    expect(closedAfter!).toBeLessThan(TIMEOUTS.keepAliveMs + 2_000);
  });

  test('answers headers too large in the REST error envelope', async ({ open }) => {
    const watched = await open();
    watched.socket.write(`GET /health HTTP/1.1\r\nhost: localhost\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    await watched.closedAfter;
    expect(watched.received()).toMatch(/^HTTP\/1\.1 431 /);
    expect(watched.received()).toContain('{"_status":"ERR","_error":{"code":431,');
  });
});

describe('the deadlines a server gets without configuration', () => {
  test('are the documented defaults', async ({ plain }) => {
    expect(plain.server.requestTimeout).toBe(DEFAULT_TIMEOUTS.requestMs);
    expect(plain.server.headersTimeout).toBe(DEFAULT_TIMEOUTS.headersMs);
    expect(plain.server.keepAliveTimeout).toBe(DEFAULT_TIMEOUTS.keepAliveMs);
    expect(plain.server.timeout).toBe(DEFAULT_TIMEOUTS.connectionMs);
    expect(DEFAULT_TIMEOUTS).toEqual({ requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5_000, connectionMs: 60_000 });
  });
});
