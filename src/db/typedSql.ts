import {
  type Compilable,
  DummyDriver,
  type InferResult,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Db } from './client.ts';
import type { DB } from './generated/kysely/tables.ts';

/**
 * Typed SQL for the reads Prisma's API cannot express in one statement. Kysely only builds
 * and compiles the statement, checked against table types generated from prisma/schema.prisma
 * (prisma-kysely); it runs on Prisma's own connection, so it shares the pool, the adapters
 * and the query log, and Prisma decodes the values (BigInt, DateTime) as for its own queries.
 */
export type TypedSql = Kysely<DB>;

const compileOnly = (sqlite: boolean): TypedSql =>
  new Kysely<DB>({
    dialect: {
      createAdapter: () => (sqlite ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (sqlite ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
      // The two differ in their placeholders (`?` or `$1`), which Prisma's raw queries take as they are.
      createQueryCompiler: () => (sqlite ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
    },
  });

const builders = { sqlite: compileOnly(true), postgres: compileOnly(false) };

/** The statement builder for the database behind `db`. */
export function typedSql(db: Db): TypedSql {
  // The provider of the generated client the Db was built from (it survives $extends).
  const provider = (db as unknown as { _activeProvider: string })._activeProvider;
  return provider === 'sqlite' ? builders.sqlite : builders.postgres;
}

/** Runs a typed statement through Prisma; the rows have the types the statement declares. */
export function runTyped<Q extends Compilable<object>>(db: Db, query: Q): Promise<InferResult<Q>> {
  const { sql, parameters } = query.compile();
  return db.$queryRawUnsafe(sql, ...parameters) as Promise<InferResult<Q>>;
}
