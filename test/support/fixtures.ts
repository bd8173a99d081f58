import type { FastifyInstance } from 'fastify';
import { test as base } from 'vitest';
import { type AppConfig, createApp } from '../../src/app.ts';
import type { Db } from '../../src/db/client.ts';
import { createTestDatabase } from './database.ts';
import { createHarness, type Tenant } from './harness.ts';
import { type ServerProcess, startServer } from './processes.ts';
import { createRestHarness } from './rest.ts';

export { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';

/**
 * A test file's database, app and tenant, made once for the file and dropped after it: a test
 * names what it needs (`async ({ harness, tenant }) => …`), and only what some test names is made.
 * `test` gives the GraphQL harness; `restTest` the harness with the whole HTTP app over it.
 * A file names its tenant with `test.override('tenantName', 'Hostile')` at its top level.
 */
function withHarness<H extends { close(): Promise<void>; createTenant(name?: string): Promise<Tenant> }>(create: () => Promise<H>) {
  return (
    base
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
      .extend('harness', { scope: 'file' }, async ({}, { onCleanup }) => {
        const harness = await create();
        onCleanup(() => harness.close());
        return harness;
      })
      .extend('tenantName', { scope: 'file' }, 'Tenant')
      .extend('tenant', { scope: 'file' }, ({ harness, tenantName }) => harness.createTenant(tenantName))
  );
}

export const test = withHarness(createHarness);
export const restTest = withHarness(createRestHarness)
  /** A GET as the file's tenant. */
  .extend(
    'get',
    ({ harness, tenant }) =>
      (url: string, headers: Record<string, string> = {}) =>
        harness.rest.get(url, { apiKey: tenant.apiKey, headers }),
  )
  /** A registration (POST /creditor--payments) as the file's tenant. */
  .extend(
    'postPayment',
    ({ harness, tenant }) =>
      (body: Record<string, unknown>) =>
        harness.rest.post('/creditor--payments', body, { apiKey: tenant.apiKey }),
  );

/**
 * A file-scoped fixture: another app over the file's database, built with other settings (a rate
 * limit, CORS origins, short deadlines), ready, and closed after the file:
 * `test.extend('limited', { scope: 'file' }, appOver({ rateLimitPerMinute: 3 }))`.
 */
export function appOver(config: Omit<AppConfig, 'db'>) {
  return async ({ harness }: { harness: { db: Db } }, { onCleanup }: { onCleanup(cleanup: () => unknown): void }): Promise<FastifyInstance> => {
    const app = await createApp({ db: harness.db, logLevel: 'silent', ...config });
    onCleanup(() => app.close());
    await app.ready();
    return app;
  };
}

/** A file's own empty database, dropped after it: for tests that start real server processes on it. */
export const databaseTest = base.extend(
  'database',
  { scope: 'file' },
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  async ({}, { onCleanup }) => {
    const database = await createTestDatabase();
    onCleanup(() => database.drop());
    return database;
  },
);

/** The API key a demo start printed. */
export function demoKey(output: string): string {
  return /Demo API key \(x-api-key\): (\S+)/.exec(output)![1]!;
}

/** `databaseTest` with a demo server process started on the database (stopped after the file) and the key it printed. */
export const demoServerTest = databaseTest
  .extend('server', { scope: 'file' }, async ({ database }, { onCleanup }): Promise<ServerProcess> => {
    const server = await startServer({ DATABASE_URL: database.url, DEMO: 'true' });
    onCleanup(async () => {
      await server.stop();
    });
    return server;
  })
  .extend('apiKey', { scope: 'file' }, ({ server }) => demoKey(server.output()));
