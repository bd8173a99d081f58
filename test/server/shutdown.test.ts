import { execFileSync } from 'node:child_process';
import http from 'node:http';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLE_CASE_ID, EXAMPLE_CREDITOR_ID } from '../../src/demo.ts';
import { createTestDatabase, onPostgres, withPostgres } from '../support/database.ts';
import { startServer } from '../support/processes.ts';
import { paymentBody } from '../support/registration.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `npm start` as a container runs it: `process` is npm; the server is its child. */
async function npmStart(env: Record<string, string> = {}) {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const server = await startServer({ DATABASE_URL: database.url, DEMO: 'true', LOG_LEVEL: 'info', ...env }, { npm: true });
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(server.process.pid)], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .map(Number);
  // Whatever a failing test leaves running: npm and everything it started (its process group).
  cleanups.push(async () => {
    if (alive(server.process.pid!) || children.some(alive)) process.kill(-server.process.pid!, 'SIGKILL');
  });
  expect(children).toHaveLength(1); // npm runs node itself, no shell or wrapper in between
  const apiKey = /Demo API key \(x-api-key\): (\S+)/.exec(server.output())![1]!;
  return { server, node: children[0]!, apiKey };
}

const QUERY = JSON.stringify({ query: '{ payments { totalCount } }' });

/** A GraphQL request whose body arrives in two parts: in flight from the first until `finish`. */
function slowRequest(url: string, apiKey: string) {
  const request = http.request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(QUERY), 'x-api-key': apiKey },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
  answer.catch(() => undefined); // awaited (or deliberately not) by the test
  request.write(QUERY.slice(0, 10));
  return { answer, finish: () => request.end(QUERY.slice(10)), abandon: () => request.destroy() };
}

async function until(condition: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start and signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the npm process lets the request in flight complete, then the whole tree exits 0`, async () => {
      const { server, node, apiKey } = await npmStart({ SHUTDOWN_TIMEOUT_MS: '10000' });
      const inFlight = slowRequest(server.url, apiKey);
      await until(() => server.output().includes('incoming request'), 'the request to reach the server');

      const signalled = Date.now();
      server.process.kill(signal);
      await until(() => server.output().includes('shutting down: draining requests in flight'), 'the server to start draining');
      // Draining: no new connections are taken.
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();

      inFlight.finish();
      const answer = await inFlight.answer;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ data: { payments: { totalCount: 4 } } });

      expect(await server.stop(signal)).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(alive(node)).toBe(false);
    });
  }

  // On SQLite a lock held from outside makes the server's own thread wait (better-sqlite3 is
  // synchronous), so no request can be held in the middle of its transaction there.
  it.skipIf(!onPostgres)('a registration whose client has gone still finishes before the database is closed', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const server = await startServer({ DATABASE_URL: database.url, DEMO: 'true', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '20000' });
    cleanups.push(() => server.stop('SIGKILL'));
    const apiKey = /Demo API key \(x-api-key\): (\S+)/.exec(server.output())![1]!;
    // Another connection holds the case locked: the registration waits on it.
    const lock = await holdLock(database.url);
    const body = JSON.stringify(paymentBody(EXAMPLE_CREDITOR_ID, EXAMPLE_CASE_ID, { creditor_payment_reference: 'LEFT-BEFORE-ANSWER' }));
    const request = http.request(`${server.url}/creditor--payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': apiKey },
    });
    request.on('error', () => undefined);
    request.end(body);
    await until(() => server.output().includes('incoming request'), 'the request to reach the server');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the handler is waiting on the lock
    request.destroy(); // the client gives up

    server.process.kill('SIGTERM');
    await until(() => server.output().includes('shutting down: draining requests in flight'), 'the server to start draining');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(server.process.exitCode).toBeNull(); // still waiting for the handler, the database open
    await lock.release();

    expect(await server.stop()).toBe(0);
    expect(server.output()).not.toMatch(/Unable to start a transaction|P2028|"level":50/);
    expect(await storedReferences(database.url)).toContain('LEFT-BEFORE-ANSWER');
  });

  it('a request that hangs past SHUTDOWN_TIMEOUT_MS does not keep the server alive', async () => {
    const { server, node, apiKey } = await npmStart({ SHUTDOWN_TIMEOUT_MS: '1500' });
    const hanging = slowRequest(server.url, apiKey); // never finished
    await until(() => server.output().includes('incoming request'), 'the request to reach the server');

    const signalled = Date.now();
    server.process.kill('SIGTERM');
    const code = await server.stop();
    const took = Date.now() - signalled;
    hanging.abandon();

    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(1500 + 5000);
    expect(code).not.toBe(0); // requests were cut off
    expect(server.output()).toContain('Shutdown deadline (SHUTDOWN_TIMEOUT_MS=1500) passed with 1 request(s) in flight');
    expect(alive(node)).toBe(false);
  });
});

/** Locks the example case from outside the server until `release`. */
async function holdLock(url: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT id FROM "Case" WHERE id = $1 FOR UPDATE', [EXAMPLE_CASE_ID]);
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

async function storedReferences(url: string): Promise<string[]> {
  const { rows } = await withPostgres(url, (client) => client.query<{ reference: string }>('SELECT "creditorPaymentReference" AS reference FROM "Payment"'));
  return rows.map((row) => row.reference);
}
