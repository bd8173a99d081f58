import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { connectDb, type Db } from '../../src/db/client.ts';
import { PrismaClient as SqliteClient } from '../../src/db/generated/sqlite/client.ts';
import { deployMigrations } from '../../src/db/migrate.ts';
import { adminQuery, createTestDatabase, onPostgres, type TestDatabase } from '../support/database.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function probe(app: FastifyInstance, url: '/health' | '/ready') {
  const started = performance.now();
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json(), ms: performance.now() - started };
}

async function migrated(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  await deployMigrations(database.url);
  return database;
}

/** A SQLite client whose driver connection the test can close under it (what a lost disk looks like to the app). */
async function sqliteWithHandle(url: string): Promise<{ db: Db; connection: () => SqlDriverAdapter }> {
  let connection: SqlDriverAdapter | undefined;
  const factory = new PrismaBetterSqlite3({ url });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => (connection = await connect());
  const db = new SqliteClient({ adapter: factory }) as unknown as Db;
  await db.$queryRaw`SELECT 1`;
  return { db, connection: () => connection! };
}

describe('liveness and readiness', () => {
  it('/health and /ready answer 200 while the database answers', async () => {
    const database = await migrated();
    const db = await connectDb(database.url);
    cleanups.push(() => db.$disconnect());
    const app = await createApp({ db, logLevel: 'silent' });
    expect(await probe(app, '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await probe(app, '/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it.runIf(onPostgres)('Postgres: /ready answers 503 within a few seconds of the database being dropped; /health stays 200', async () => {
    const database = await migrated();
    const db = await connectDb(database.url, { poolSize: 2 });
    cleanups.push(() => db.$disconnect());
    const app = await createApp({ db, logLevel: 'silent' });
    expect((await probe(app, '/ready')).status).toBe(200);

    await adminQuery(`DROP DATABASE "${new URL(database.url).pathname.slice(1)}" WITH (FORCE)`);

    const ready = await probe(app, '/ready');
    expect(ready).toMatchObject({ status: 503, body: { status: 'database unavailable' } });
    expect(ready.ms).toBeLessThan(5000);
    expect(await probe(app, '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it.runIf(!onPostgres)('SQLite: /ready answers 503 once the connection to the file is closed; /health stays 200', async () => {
    const database = await migrated();
    const { db, connection } = await sqliteWithHandle(database.url);
    const app = await createApp({ db, logLevel: 'silent' });
    expect((await probe(app, '/ready')).status).toBe(200);

    await connection().dispose(); // closes better-sqlite3's handle under Prisma

    const ready = await probe(app, '/ready');
    expect(ready).toMatchObject({ status: 503, body: { status: 'database unavailable' } });
    expect(ready.ms).toBeLessThan(5000);
    expect(await probe(app, '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('/ready gives up on a database that does not answer, within a few seconds', async () => {
    const database = await migrated();
    const db = await connectDb(database.url);
    cleanups.push(() => db.$disconnect());
    // The database hangs: every query waits forever (a network partition, a stuck lock).
    const hung = new Proxy(db, { get: (target, property) => (property === '$queryRaw' ? () => new Promise(() => {}) : Reflect.get(target, property)) });
    const app = await createApp({ db: hung, logLevel: 'silent' });

    const ready = await probe(app, '/ready');
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeGreaterThan(1000);
    expect(ready.ms).toBeLessThan(5000);
    const health = await probe(app, '/health');
    expect(health.status).toBe(200);
  });

  it('/ready answers 503 while the process shuts down', async () => {
    const database = await migrated();
    const db = await connectDb(database.url);
    cleanups.push(() => db.$disconnect());
    let shuttingDown = false;
    const app = await createApp({ db, logLevel: 'silent', shuttingDown: () => shuttingDown });
    expect((await probe(app, '/ready')).status).toBe(200);
    shuttingDown = true;
    expect(await probe(app, '/ready')).toMatchObject({ status: 503, body: { status: 'shutting down' } });
    expect((await probe(app, '/health')).status).toBe(200);
  });
});
