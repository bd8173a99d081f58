import { createHash } from 'node:crypto';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient as PostgresClient } from './generated/postgres/client.ts';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.ts';
import { retryOnConnectionLoss } from './reconnect.ts';
import { isolateSqliteConnection } from './sqliteIsolation.ts';
import { sharedWithTypedReads } from './typedSql.ts';
import { databaseKindOf } from './url.ts';

export type { Account, ApiKey, Case, Creditor, Payment } from './generated/postgres/client.ts';

export { Prisma } from './generated/postgres/client.ts';

/**
 * The two generated clients differ only in their provider; the domain codes against
 * the Postgres one's type and the SQLite one is used through it.
 */
export type Db = PostgresClient;

export { DEFAULT_DATABASE_URL } from './url.ts';

export interface DbOptions {
  /** Postgres pool size per process. */
  poolSize?: number;
  /** Called with every SQL statement sent: tests and the benchmark count round trips with it. */
  onQuery?: (sql: string) => void;
}

export async function connectDb(databaseUrl: string, options: DbOptions = {}): Promise<Db> {
  if (databaseKindOf(databaseUrl) === 'postgres') {
    // The pool is ours so its use can be exported as metrics (poolOf); $disconnect still ends it.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
    const adapter = sharedWithTypedReads(
      retryOnConnectionLoss(new PrismaPg(pool, { statementNameGenerator: preparedStatementName, disposeExternalPool: true })),
    );
    const db = observe(new PostgresClient({ adapter: adapter.factory, ...queryLog(options) }), options);
    adapter.bind(db, options.onQuery);
    pools.set(db, pool);
    return db;
  }
  // One connection per process; a 5 s busy timeout lets other processes (the admin CLI,
  // a second server) wait for the write lock instead of failing at once.
  const adapter = sharedWithTypedReads(isolateSqliteConnection(new PrismaBetterSqlite3({ url: databaseUrl, timeout: 5000 })));
  const db = observe(new SqliteClient({ adapter: adapter.factory, ...queryLog(options) }) as unknown as Db, options);
  adapter.bind(db, options.onQuery);
  // WAL lets readers run beside the one writer. synchronous=FULL fsyncs every commit:
  // an acknowledged payment survives a power loss, not only a process crash.
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await db.$executeRawUnsafe('PRAGMA synchronous = FULL');
  await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  return db;
}

const pools = new WeakMap<Db, pg.Pool>();

/** The PostgreSQL pool behind a client (none for SQLite). */
export function poolOf(db: Db): pg.Pool | undefined {
  return pools.get(db);
}

/**
 * Named (prepared) statements on Postgres: each connection parses and plans a query shape
 * once instead of on every execution, which took 6 to 10% off a list and 10 to 33% off a
 * registerPayment here (bench/RESULTS.md). pg keeps every named statement a connection has
 * prepared, so only fixed-shape queries are named (a long IN list's text changes with its
 * length). A connection pooler in transaction mode between us and Postgres would need this off;
 * a migration that changes a column's type needs a restart, as every deploy does anyway.
 */
function preparedStatementName(query: { sql: string; args: unknown[] }): string {
  // '' is pg's unnamed statement: parsed for this execution only.
  return query.args.length <= 50 ? `q_${createHash('sha1').update(query.sql).digest('hex').slice(0, 24)}` : '';
}

function queryLog(options: DbOptions) {
  return options.onQuery ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {};
}

function observe(db: Db, options: DbOptions): Db {
  const onQuery = options.onQuery;
  if (onQuery) (db as unknown as { $on(event: 'query', cb: (e: { query: string }) => void): void }).$on('query', (e) => onQuery(e.query));
  return db;
}
