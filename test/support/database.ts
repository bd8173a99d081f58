import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * Which database the suite runs on: SQLite unless TEST_DB=postgres. On Postgres each
 * test file gets a fresh database on TEST_POSTGRES_URL's server, dropped afterwards.
 */
export const onPostgres = process.env.TEST_DB === 'postgres';
export const POSTGRES_SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: 'sqlite' | 'postgres' = onPostgres ? 'postgres' : 'sqlite'): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'payments-test-'));
    return { url: `file:${path.join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `payments_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(POSTGRES_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** Runs `work` over one connection to `url`, closed afterwards. */
export async function withPostgres<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs one statement on the server's maintenance database (CREATE and DROP DATABASE). */
export async function adminQuery(sql: string, serverUrl = POSTGRES_SERVER_URL): Promise<void> {
  await withPostgres(serverUrl, (client) => client.query(sql));
}

/**
 * Ends every session of `database` but the caller's, from a connection outside it: how many
 * were ended, and how many of those were running a statement or a transaction.
 */
export async function terminateSessions(admin: pg.Client, database: string): Promise<{ ended: number; busy: number }> {
  const result = await admin.query<{ ended: number; busy: number }>(
    `SELECT count(*)::int AS ended, count(*) FILTER (WHERE state <> 'idle')::int AS busy
       FROM (SELECT pg_terminate_backend(pid), state FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) AS t`,
    [database],
  );
  return result.rows[0]!;
}
