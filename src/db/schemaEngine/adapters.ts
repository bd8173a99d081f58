/** The driver adapters the schema engine talks through, with the workarounds each needs. */
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { delegate } from './delegate.ts';
import type { MigrationFactory } from './engine.ts';
import { catalogCharAsText } from './postgresCatalogChar.ts';
import { scriptAsOneQuery } from './postgresScriptAsOneQuery.ts';
import { busyAsPlainError } from './sqliteBusy.ts';
import { multiStatementAsScript } from './sqliteMultiStatement.ts';

export function sqliteFactory(databaseUrl: string): MigrationFactory {
  // The shadow database is in memory (the adapter's default). The busy timeout lets a
  // deploy wait for a running server's write instead of failing at once.
  const driver = new PrismaBetterSqlite3({ url: databaseUrl, timeout: 5000 });
  const forEngine = (adapter: SqlDriverAdapter) => busyAsPlainError(multiStatementAsScript(adapter));
  const connections = new Connections();
  return {
    provider: driver.provider,
    adapterName: driver.adapterName,
    connect: async () => connections.track(forEngine(await driver.connect())),
    connectToShadowDb: async () => connections.track(forEngine(await driver.connectToShadowDb())),
    closeAll: () => connections.closeAll(),
  };
}

/** A Postgres database made for the engine's diffs, dropped once the engine lets go of it. */
export type ShadowDatabase = { url: string; drop(): Promise<void> };

/**
 * `createShadow` is only given by the authoring tools (see tools/postgresShadowDatabase.ts);
 * deploys never need a shadow database.
 */
export function postgresFactory(databaseUrl: string, createShadow?: () => Promise<ShadowDatabase>): MigrationFactory {
  const connections = new Connections();
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: async () => connections.track(await connectPostgres(databaseUrl)),
    connectToShadowDb: async () => {
      if (!createShadow) throw new Error('This command was given no shadow database');
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
  return scriptAsOneQuery(adapter, pool);
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
