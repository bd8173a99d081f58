/**
 * Prisma Migrate without Prisma's native engine (it cannot be downloaded here): the same
 * schema engine as WASM (@prisma/schema-engine-wasm), driven through our driver adapters.
 * Folders, migration_lock.toml and _prisma_migrations are exactly Prisma Migrate's, so
 * `prisma migrate deploy` can take over wherever the native engine exists.
 * Each workaround is commented where it lives with its number in docs/migrations.md
 * ("Workarounds, numbered"), which says what it works around and when it can go.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  isDriverAdapterError,
  type ErrorRegistry,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationDirectory, MigrationList, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';
import { providerOf, sqlitePath, withDatabase, type Provider } from './url.ts';

export { providerOf };

/** The folder that holds prisma/: two levels above this file in src/db/, one above the built dist/server.js. */
const ROOT = findUp(dirname(fileURLToPath(import.meta.url)), 'prisma');
const LAYOUT = {
  sqlite: { schema: 'prisma/sqlite/schema.prisma', migrations: 'prisma/migrations/sqlite' },
  postgresql: { schema: 'prisma/schema.prisma', migrations: 'prisma/migrations/postgres' },
} as const satisfies Record<Provider, { schema: string; migrations: string }>;

function findUp(from: string, folder: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, folder))) return dir;
    if (dirname(dir) === dir) throw new Error(`no ${folder}/ folder above ${from}`);
  }
}

const LOCKFILE = 'migration_lock.toml';
const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };
const EMPTY_MIGRATION = '-- This is an empty migration.';

/**
 * Where the developer commands (createMigration, migrationDrift) create and drop their scratch
 * Postgres databases; the role needs CREATEDB. Deploys never use it.
 */
const SCRATCH_POSTGRES_URL = process.env.MIGRATE_SCRATCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

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
  const provider = providerOf(databaseUrl);
  const migrationsList = await readMigrations(provider);
  const apply = () =>
    withEngine(migrationFactory(provider, databaseUrl), async (engine) => {
      if (await upToDate(engine, migrationsList)) return [];
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
      return appliedMigrationNames;
    });
  if (provider === 'sqlite') {
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
    // Workaround 2 (docs/migrations.md): on a fresh SQLite database the engine fails with P1014 (no
    // _prisma_migrations table) instead of reporting hasMigrationsTable: false.
    if ((error as { code?: unknown }).code === 'P1014') return false;
    throw error;
  }
}

/**
 * The SQL that takes a database from the committed migrations to the current schema,
 * or '' when they agree. Needs no database of the developer's: SQLite replays the
 * migrations in memory, Postgres in a scratch database that is dropped afterwards.
 */
export async function migrationDrift(provider: Provider): Promise<string> {
  const schemaPath = join(ROOT, LAYOUT[provider].schema);
  const schema = { path: schemaPath, content: await readFile(schemaPath, 'utf8') };
  const migrations = await readMigrations(provider);
  const { stdout } = await withEngine(scratchFactory(provider), (engine) =>
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

/**
 * Writes a migration named `<UTC timestamp>_<name>` for both providers, holding what
 * migrationDrift finds, and returns each folder (relative to the repository root), or null
 * for a provider whose migrations already match its schema.
 */
export async function createMigration(name: string): Promise<{ sqlite: string | null; postgresql: string | null }> {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new Error(`Migration name "${name}" must be letters, digits and underscores`);
  }
  // Both drifts first, so a failure on one provider writes nothing for the other.
  const sqlite = await migrationDrift('sqlite');
  const postgresql = await migrationDrift('postgresql');
  // One name for both providers keeps their histories side by side.
  const folder = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${name}`;
  return {
    sqlite: sqlite ? await writeMigration('sqlite', folder, sqlite) : null,
    postgresql: postgresql ? await writeMigration('postgresql', folder, postgresql) : null,
  };
}

async function writeMigration(provider: Provider, folder: string, script: string): Promise<string> {
  const baseDir = join(ROOT, LAYOUT[provider].migrations);
  await mkdir(baseDir, { recursive: true });
  await mkdir(join(baseDir, folder)); // not recursive: never overwrite an existing migration
  await writeFile(join(baseDir, folder, 'migration.sql'), script);
  if ((await readOptional(join(baseDir, LOCKFILE))) === null) {
    await writeFile(join(baseDir, LOCKFILE), lockfileText(provider));
  }
  return relative(ROOT, join(baseDir, folder));
}

/** Prisma's own lockfile text, so the folders stay usable by `prisma migrate`. */
function lockfileText(provider: Provider): string {
  return `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`;
}

/** The migrations folder as the engine wants it, read the way Prisma's CLI reads it. */
async function readMigrations(provider: Provider): Promise<MigrationList> {
  const baseDir = join(ROOT, LAYOUT[provider].migrations);
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
    lockfile: { path: LOCKFILE, content: (await readOptional(join(baseDir, LOCKFILE))) ?? lockfileText(provider) },
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

// ---------------------------------------------------------------------------------------------
// The engine and the adapters it talks through

type EngineModule = typeof engineGlue & { __wbg_set_wasm(exports: WebAssembly.Exports): void };

let engineLoaded: Promise<void> | undefined;

/**
 * The package's main entry imports the .wasm as an ES module, which Node 20 cannot do
 * without a flag: instantiate it by hand with the wasm-bindgen glue as its import.
 */
function loadEngine(): Promise<void> {
  engineLoaded ??= (async () => {
    // The package's exports map hides the .wasm; it sits beside the glue.
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
    // Workaround 5 (docs/migrations.md): the engine arms a 10 s timer around Postgres' pg_advisory_lock and never clears it
    // (the glue imports no clearTimeout), which held every deploy's process open 10 s:
    // its timers are unref'd, so only real work keeps the process alive.
    const imports = Object.fromEntries(
      Object.entries(engineGlue).map(([name, value]) =>
        name.startsWith('__wbg_setTimeout_')
          ? [name, (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref()]
          : [name, value],
      ),
    );
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': imports });
    (engineGlue as EngineModule).__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return engineLoaded;
}

/** A driver adapter factory that remembers its connections so they can all be closed. */
interface MigrationFactory extends SqlMigrationAwareDriverAdapterFactory {
  closeAll(): Promise<void>;
}

async function withEngine<T>(factory: MigrationFactory, work: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  try {
    await loadEngine();
    const log = process.env.DEBUG?.includes('prisma') ? (line: string) => console.error(line) : () => {};
    // No datamodels: every command used here takes its schema or migrations as input.
    const engine = await engineGlue.SchemaEngine.new({ datamodels: undefined }, log, adapter);
    try {
      return await work(engine);
    } finally {
      engine.free();
    }
  } catch (error) {
    throw readableError(error, adapter.errorRegistry);
  } finally {
    // free() only releases WASM memory: open pools would keep the process alive.
    await factory.closeAll();
  }
}

/**
 * A JavaScript error thrown inside an adapter reaches us as "External error id#N" (the
 * original waits in the registry), and engine errors carry a Rust span trace: give back
 * the original error, or the engine's message with its Prisma error code.
 */
function readableError(error: unknown, registry: ErrorRegistry): unknown {
  if (!(error instanceof Error)) return error;
  const id = /External error id#(\d+)/.exec(error.message)?.[1];
  const original = id === undefined ? undefined : registry.consumeError(Number(id));
  if (original) return original.error;
  const [message = '', trace = ''] = error.message.split(/\n\s+0: /);
  const code = (error as { code?: unknown }).code;
  // A failed migration's name is only in the trace.
  const migration = /migration_name="([^"]+)"/.exec(trace)?.[1];
  const prefix = typeof code === 'string' ? `${code}: ` : migration ? `Migration ${migration} failed: ` : '';
  return new Error(prefix + message.trim(), { cause: error });
}

function migrationFactory(provider: Provider, databaseUrl: string): MigrationFactory {
  if (provider === 'sqlite') return sqliteFactory(databaseUrl);
  return postgresFactory(databaseUrl, () => {
    throw new Error('Deploying migrations needs no shadow database');
  });
}

/** For diffs: the main database is never written, the shadow is a throwaway. */
function scratchFactory(provider: Provider): MigrationFactory {
  if (provider === 'sqlite') return sqliteFactory('file::memory:');
  return postgresFactory(SCRATCH_POSTGRES_URL, async () => {
    // Workaround 4 (docs/migrations.md): adapter-pg's own shadow database is dropped while its pool still holds
    // connections, so the drop fails; we create it and drop it after closing the pool.
    const database = `migrate_shadow_${randomUUID().replaceAll('-', '')}`;
    await runAdmin(SCRATCH_POSTGRES_URL, `CREATE DATABASE "${database}"`);
    // The URL names the shadow database itself (docs/migrations.md, workaround 4's hazard: a connection string
    // beside a separate `database` field wins, so the pool would point at the main database).
    return {
      url: withDatabase(SCRATCH_POSTGRES_URL, database),
      drop: () => runAdmin(SCRATCH_POSTGRES_URL, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
    };
  });
}

async function runAdmin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function sqliteFactory(databaseUrl: string): MigrationFactory {
  // The shadow database is in memory (the adapter's default). The busy timeout lets a
  // deploy wait for a running server's write instead of failing at once.
  const driver = new PrismaBetterSqlite3({ url: databaseUrl, timeout: 5000 });
  const forEngine = (adapter: SqlDriverAdapter) => busyAsSqliteError(scriptTolerant(adapter));
  const connections = new Connections();
  return {
    provider: driver.provider,
    adapterName: driver.adapterName,
    connect: async () => connections.track(forEngine(await driver.connect())),
    connectToShadowDb: async () => connections.track(forEngine(await driver.connectToShadowDb())),
    closeAll: () => connections.closeAll(),
  };
}

/**
 * Workaround 1 (docs/migrations.md): the engine sends some multi-statement scripts through executeRaw, which
 * better-sqlite3 refuses ("more than one statement"); run those as a script instead.
 */
function scriptTolerant(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return delegate(adapter, {
    executeRaw: async (query) => {
      try {
        return await adapter.executeRaw(query);
      } catch (error) {
        if (query.args.length > 0 || !(error instanceof RangeError && error.message.includes('more than one statement'))) {
          throw error;
        }
        await adapter.executeScript(query.sql);
        return 0;
      }
    },
  });
}

/**
 * Workaround 7 (docs/migrations.md): adapter-better-sqlite3 reports SQLITE_BUSY as kind "SocketTimeout", which the engine cannot
 * decode ("unknown variant `SocketTimeout`"). A plain Error instead travels through the
 * engine untouched (see readableError) and says what happened.
 */
function busyAsSqliteError(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const translated =
    <A, R>(run: (arg: A) => Promise<R>) =>
    async (arg: A): Promise<R> => {
      try {
        return await run(arg);
      } catch (error) {
        if (isDriverAdapterError(error) && error.cause.kind === 'SocketTimeout') {
          throw new Error('The SQLite database is locked: another connection (a running server?) holds it', {
            cause: error,
          });
        }
        throw error;
      }
    };
  return delegate(adapter, {
    queryRaw: translated((query) => adapter.queryRaw(query)),
    executeRaw: translated((query) => adapter.executeRaw(query)),
    executeScript: translated((script) => adapter.executeScript(script)),
  });
}

type ShadowDatabase = { url: string; drop(): Promise<void> };

function postgresFactory(databaseUrl: string, createShadow: () => Promise<ShadowDatabase>): MigrationFactory {
  const connections = new Connections();
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: async () => connections.track(await connectPostgres(databaseUrl)),
    connectToShadowDb: async () => {
      const shadow = await createShadow();
      const adapter = await connectPostgres(shadow.url);
      return connections.track(
        delegate(adapter, {
          dispose: async () => {
            await adapter.dispose();
            await shadow.drop();
          },
        }),
      );
    },
    closeAll: () => connections.closeAll(),
  };
}

/** One pool per connection the engine asks for, so disposing one never ends another's pool. */
async function connectPostgres(url: string): Promise<SqlDriverAdapter> {
  const pool = catalogCharAsText(new pg.Pool({ connectionString: url, max: 2 }));
  const adapter = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
  return delegate(adapter, {
    /**
     * Workaround 6 (docs/migrations.md): adapter-pg's executeScript splits the script at every ";" and runs the pieces one by
     * one: a failing migration stays half applied, and a ";" in a string or a $$ body breaks
     * it. Prisma's native engine sends the script as one simple query, which Postgres runs as
     * one implicit transaction; so do we.
     */
    executeScript: async (script) => {
      try {
        await pool.query(script);
      } catch (error) {
        if (!(error instanceof pg.DatabaseError)) throw error;
        // In the adapter's error shape, so the engine reports (and records) the database's message.
        throw new DriverAdapterError({
          kind: 'postgres',
          code: error.code ?? '',
          severity: error.severity ?? 'ERROR',
          message: error.message,
          detail: error.detail,
          column: error.column,
          hint: error.hint,
        });
      }
    },
  });
}

/**
 * Workaround 3 (docs/migrations.md): the engine's catalog queries return columns of Postgres' internal "char" type
 * (OID 18), which adapter-pg cannot map. They hold one-letter codes: read them as text.
 * Done on this pool only, so the application's own Prisma clients are untouched.
 */
function catalogCharAsText(pool: pg.Pool): pg.Pool {
  const query = pool.query.bind(pool) as (config: pg.QueryConfig | string) => Promise<pg.QueryResult>;
  const patched = async (config: pg.QueryConfig | string) => {
    const result = await query(config);
    for (const field of result.fields ?? []) {
      if (field.dataTypeID === 18) field.dataTypeID = 25;
    }
    return result;
  };
  return Object.assign(pool, { query: patched });
}

/** Tracks open connections; dispose is made idempotent because the engine closes some itself. */
class Connections {
  readonly #open = new Set<SqlDriverAdapter>();

  track(adapter: SqlDriverAdapter): SqlDriverAdapter {
    let disposed: Promise<void> | undefined;
    const tracked = delegate(adapter, {
      dispose: () => {
        this.#open.delete(tracked);
        disposed ??= adapter.dispose();
        return disposed;
      },
    });
    this.#open.add(tracked);
    return tracked;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#open].map((adapter) => adapter.dispose()));
  }
}

/** A driver adapter that forwards to `adapter` except where overridden. */
function delegate(adapter: SqlDriverAdapter, overrides: Partial<SqlDriverAdapter>): SqlDriverAdapter {
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => adapter.queryRaw(query),
    executeRaw: (query) => adapter.executeRaw(query),
    executeScript: (script) => adapter.executeScript(script),
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    getConnectionInfo: adapter.getConnectionInfo?.bind(adapter),
    dispose: () => adapter.dispose(),
    ...overrides,
  };
}
