/**
 * Deploys the committed migrations at start, as `prisma migrate deploy` would, through Prisma's
 * schema engine as WASM (./schemaEngine: the native engine cannot be downloaded everywhere).
 * Folders, migration_lock.toml and _prisma_migrations are exactly Prisma Migrate's, so the
 * `prisma migrate` commands work on the same folders and databases where the native engine
 * exists. Writing migrations and checking drift are authoring tools (tools/migrations.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { lockfileText, MIGRATION_LOCKFILE, PRISMA_LAYOUT } from './prismaLayout.ts';
import {
  isMissingMigrationsTable,
  type MigrationDirectory,
  type MigrationList,
  NO_FILTER,
  postgresFactory,
  type SchemaEngine,
  sqliteFactory,
  withEngine,
} from './schemaEngine/index.ts';
import { type DatabaseKind, databaseKindOf, sqlitePath } from './url.ts';

/** The folder that holds prisma/: two levels above this file in src/db/, one above a bundle in dist/. */
export const ROOT = findUp(dirname(fileURLToPath(import.meta.url)), 'prisma');

function findUp(from: string, folder: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, folder))) return dir;
    if (dirname(dir) === dir) throw new Error(`no ${folder}/ folder above ${from}`);
  }
}

/**
 * Serialises deploys of all processes on one Postgres database. Not Prisma's own key
 * (72707369): the engine takes that one itself, on a pooled connection the pool may close
 * while idle, and would time out (10 s) waiting for us if we held it.
 */
const DEPLOY_LOCK_KEY = 7_283_901_446_120_771n;

/**
 * Applies the committed migrations that the database lacks and returns their names.
 * Safe to call from several processes at once.
 */
export async function deployMigrations(databaseUrl: string): Promise<string[]> {
  const kind = databaseKindOf(databaseUrl);
  const migrationsList = await readMigrations(kind);
  const apply = () =>
    withEngine(kind === 'sqlite' ? sqliteFactory(databaseUrl) : postgresFactory(databaseUrl), async (engine) => {
      if (await upToDate(engine, migrationsList)) return [];
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
      return appliedMigrationNames;
    });
  if (kind === 'sqlite') {
    // Migrate creates the database file but not its directory (./data on a fresh clone).
    await mkdir(dirname(sqlitePath(databaseUrl)), { recursive: true });
    return apply();
  }
  return withAdvisoryLock(databaseUrl, apply);
}

/**
 * Asked before applyMigrations because on SQLite that locks the file exclusively (PRAGMA
 * locking_mode=EXCLUSIVE) even when nothing is pending, and so fails while a server or the
 * admin CLI has the database open. Reading the history takes no such lock.
 */
async function upToDate(engine: SchemaEngine, migrationsList: MigrationList): Promise<boolean> {
  try {
    const { hasMigrationsTable, history, failedMigrationNames } = await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });
    return hasMigrationsTable && history === null && failedMigrationNames.length === 0;
  } catch (error) {
    if (isMissingMigrationsTable(error)) return false;
    throw error;
  }
}

/** The migrations folder as the engine wants it, read the way Prisma's CLI reads it. */
export async function readMigrations(kind: DatabaseKind): Promise<MigrationList> {
  const baseDir = join(ROOT, PRISMA_LAYOUT[kind].migrations);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(ifMissing([]));
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  const migrationDirectories = await Promise.all(
    names.map(async (name): Promise<MigrationDirectory> => {
      const path = 'migration.sql';
      const content = await readFile(join(baseDir, name, path), 'utf8').then(
        (value) => ({ tag: 'ok' as const, value }),
        (error: unknown) => ({ tag: 'error' as const, value: String(error) }),
      );
      return { path: name, migrationFile: { path, content } };
    }),
  );
  return {
    baseDir,
    // The engine refuses to diff from a folder without a lockfile; before the first
    // migration there is none yet, and this folder's provider is known anyway.
    lockfile: { path: MIGRATION_LOCKFILE, content: (await readOptional(join(baseDir, MIGRATION_LOCKFILE))) ?? lockfileText(kind) },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

function readOptional(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(ifMissing(null));
}

function ifMissing<T>(fallback: T): (error: NodeJS.ErrnoException) => T {
  return (error) => {
    if (error.code === 'ENOENT') return fallback;
    throw error;
  };
}

/** Holds a session-level advisory lock on its own connection while `work` runs. */
async function withAdvisoryLock<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A dropped lock connection must not crash the process with an unhandled 'error' event;
  // the migration itself runs on other connections and reports its own failures.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [DEPLOY_LOCK_KEY]);
    return await work();
  } finally {
    await client.end(); // ending the session releases the lock
  }
}
