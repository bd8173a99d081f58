import { once } from 'node:events';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployMigrations } from '../../src/db/migrate.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.ts';
import { spawnServer } from '../support/processes.ts';

let database: TestDatabase;
beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase();
  await deployMigrations(database.url);
});
afterAll(async () => database?.drop());

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function status(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

// Postgres: another process holding the migrations table (a deploy elsewhere) keeps this start waiting.
describe.runIf(onPostgres)('while the server starts', () => {
  it('is alive but not ready until migrations are done, then ready', async () => {
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE "_prisma_migrations" IN ACCESS EXCLUSIVE MODE');

    const port = await freePort();
    const server = spawnServer({ DATABASE_URL: database.url, DEMO: 'false', PORT: String(port) });
    let output = '';
    server.stdout!.on('data', (chunk) => (output += chunk));
    server.stderr!.on('data', (chunk) => (output += chunk));
    try {
      const base = `http://127.0.0.1:${port}`;
      let health: Awaited<ReturnType<typeof status>> | undefined;
      for (let i = 0; i < 200 && !health; i++) {
        health = await status(`${base}/health`).catch(() => undefined);
        if (!health) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(health).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await status(`${base}/ready`)).toEqual({ status: 503, body: { status: 'starting' } });
      expect((await fetch(`${base}/graphql`, { method: 'POST' })).status).toBe(503);
      expect(output).not.toContain('listening on');

      await blocker.query('COMMIT');
      for (let i = 0; i < 200 && !output.includes('listening on'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await status(`${base}/ready`)).toEqual({ status: 200, body: { status: 'ready' } });
      expect(
        (await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).status,
      ).toBe(401);
    } finally {
      await blocker.end();
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });
});
