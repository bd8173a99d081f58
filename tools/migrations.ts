/**
 * Authoring and drift checks for the migrations, for developers and the test suite (the
 * running service only deploys: src/db/migrate.ts). They diff with the same WASM schema engine.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ROOT, readMigrations } from '../src/db/migrate.ts';
import { lockfileText, MIGRATION_LOCKFILE, PRISMA_LAYOUT } from '../src/db/prismaLayout.ts';
import { type MigrationFactory, NO_FILTER, postgresFactory, sqliteFactory, withEngine } from '../src/db/schemaEngine/index.ts';
import type { DatabaseKind } from '../src/db/url.ts';
import { createShadowDatabase } from './postgresShadowDatabase.ts';

/**
 * The Postgres server where the diffs create and drop their scratch databases; the role needs
 * CREATEDB. Never the developer's own database: nothing there is read or written.
 */
const SCRATCH_POSTGRES_URL = process.env.MIGRATE_SCRATCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** What the engine's diff prints when the two sides agree. */
const EMPTY_MIGRATION = '-- This is an empty migration.';

/**
 * The SQL that takes a database from the committed migrations to the current schema,
 * or '' when they agree. Needs no database of the developer's: SQLite replays the
 * migrations in memory, Postgres in a scratch database that is dropped afterwards.
 */
export async function migrationDrift(kind: DatabaseKind): Promise<string> {
  const schemaPath = join(ROOT, PRISMA_LAYOUT[kind].schema);
  const schema = { path: schemaPath, content: await readFile(schemaPath, 'utf8') };
  const migrations = await readMigrations(kind);
  const { stdout } = await withEngine(scratchFactory(kind), (engine) =>
    engine.diff({
      from: { tag: 'migrations', ...migrations },
      to: { tag: 'schemaDatamodel', files: [schema] },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    }),
  );
  const script = stdout ?? '';
  return script.trim() === EMPTY_MIGRATION ? '' : script;
}

/** For diffs: the main database is never written, the shadow is a throwaway. */
function scratchFactory(kind: DatabaseKind): MigrationFactory {
  if (kind === 'sqlite') return sqliteFactory('file::memory:');
  return postgresFactory(SCRATCH_POSTGRES_URL, () => createShadowDatabase(SCRATCH_POSTGRES_URL));
}

/**
 * Writes a migration named `<UTC timestamp>_<name>` for both providers, holding what
 * migrationDrift finds, and returns each folder (relative to the repository root), or null
 * for a provider whose migrations already match its schema.
 */
export async function createMigration(name: string): Promise<{ sqlite: string | null; postgres: string | null }> {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new Error(`Migration name "${name}" must be letters, digits and underscores`);
  }
  // Both drifts first, so a failure on one provider writes nothing for the other.
  const sqlite = await migrationDrift('sqlite');
  const postgres = await migrationDrift('postgres');
  // One name for both providers keeps their histories side by side.
  const folder = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${name}`;
  return {
    sqlite: sqlite ? await writeMigration('sqlite', folder, sqlite) : null,
    postgres: postgres ? await writeMigration('postgres', folder, postgres) : null,
  };
}

async function writeMigration(kind: DatabaseKind, folder: string, script: string): Promise<string> {
  const baseDir = join(ROOT, PRISMA_LAYOUT[kind].migrations);
  await mkdir(baseDir, { recursive: true });
  await mkdir(join(baseDir, folder)); // not recursive: never overwrite an existing migration
  await writeFile(join(baseDir, folder, 'migration.sql'), script);
  if (!existsSync(join(baseDir, MIGRATION_LOCKFILE))) {
    await writeFile(join(baseDir, MIGRATION_LOCKFILE), lockfileText(kind));
  }
  return relative(ROOT, join(baseDir, folder));
}
