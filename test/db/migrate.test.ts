import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { deployMigrations } from '../../src/db/migrate.ts';
import { urlForDatabase } from '../../src/db/url.ts';
import { migrationDrift } from '../../tools/migrations.ts';
import { adminQuery, POSTGRES_SERVER_URL, withPostgres } from '../support/database.ts';

const TABLES = ['Account', 'ApiKey', 'Case', 'Creditor', 'Payment', '_prisma_migrations'];
const INIT = /^\d{14}_init$/;
const NO_DRIFT = 'the schema changed without a migration: run `npm run migrate:new -- <name>`';

/** A uniquely named database on the test server, dropped after `work`. */
async function withFreshPostgres(work: (url: string) => Promise<void>): Promise<void> {
  const name = `migrate_test_${process.pid}_${Date.now().toString(36)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  try {
    await work(urlForDatabase(POSTGRES_SERVER_URL, name));
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

const postgresReachable = await withPostgres(POSTGRES_SERVER_URL, async () => true).catch(() => false);
// Locally a missing Postgres skips its tests; on CI they run, and fail on the connection.
const skipPostgres = !postgresReachable && !process.env.CI;

describe('migrations on SQLite', () => {
  it('deploys init to a fresh file, creating its directory, and nothing the second time', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migrate-test-'));
    try {
      const file = path.join(dir, 'data', 'payments.db');
      const applied = await deployMigrations(`file:${file}`);
      expect(applied[0]).toMatch(INIT);
      expect(await deployMigrations(`file:${file}`)).toEqual([]);

      const db = new Database(file, { readonly: true });
      try {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
        expect(tables).toEqual(expect.arrayContaining(TABLES));
        const recorded = db.prepare('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL').pluck().all();
        expect(recorded).toEqual(applied);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has committed migrations that match prisma/sqlite/schema.prisma', async () => {
    expect(await migrationDrift('sqlite'), NO_DRIFT).toBe('');
  });
});

describe.skipIf(skipPostgres)('migrations on PostgreSQL', () => {
  it('deploys init to a fresh database, and nothing the second time', async () => {
    await withFreshPostgres(async (url) => {
      const applied = await deployMigrations(url);
      expect(applied[0]).toMatch(INIT);
      expect(await deployMigrations(url)).toEqual([]);

      await withPostgres(url, async (client) => {
        const tables = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
        expect(tables.rows.map((row) => row.tablename)).toEqual(expect.arrayContaining(TABLES));
        const recorded = await client.query('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL');
        expect(recorded.rows.map((row) => row.migration_name)).toEqual(applied);
      });
    });
  });

  it('applies each migration once when several deploys start together', async () => {
    await withFreshPostgres(async (url) => {
      const results = await Promise.all([deployMigrations(url), deployMigrations(url), deployMigrations(url)]);
      expect(results.flat().filter((name) => INIT.test(name))).toHaveLength(1);
      const count = await withPostgres(url, (client) => client.query('SELECT count(*)::int AS n FROM _prisma_migrations'));
      expect(count.rows[0].n).toBe(results.flat().length);
    });
  });

  it('has committed migrations that match prisma/schema.prisma', async () => {
    expect(await migrationDrift('postgres'), NO_DRIFT).toBe('');
  });
});
