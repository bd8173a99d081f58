import type { ArgType, SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import {
  type Compilable,
  DummyDriver,
  type Expression,
  type ExpressionBuilder,
  type InferResult,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type SqlBool,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type StringReference,
} from 'kysely';
import type { Db, Prisma } from './client.ts';
import type { DB } from './generated/kysely/tables.ts';

/**
 * Typed SQL for the hot reads (a list's page, the case projections, the key lookup). Kysely
 * only builds and compiles the statement, checked against table types generated from
 * prisma/schema.prisma (prisma-kysely): a column removed from the schema breaks the build.
 * The statement runs on the driver adapter Prisma itself uses (same pool, same connection-loss
 * retry, same SQLite isolation lock), below Prisma's client: that layer turned every value of
 * a 100-row page into tagged JSON and back, which cost more than the rest of the request.
 */
export type TypedSql = Kysely<DB>;

const compileOnly = (sqlite: boolean): TypedSql =>
  new Kysely<DB>({
    dialect: {
      createAdapter: () => (sqlite ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (sqlite ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
      // The two differ in their placeholders (`?` or `$1`), which the adapters take as they are.
      createQueryCompiler: () => (sqlite ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
    },
  });

const builders = { sqlite: compileOnly(true), postgres: compileOnly(false) };

/** The statement builder for the database behind `db`. */
export function typedSql(db: Db): TypedSql {
  return onSqlite(db) ? builders.sqlite : builders.postgres;
}

/** True when `db` (a client or a transaction's) is SQLite's: the provider of the generated client it was built from. */
export const onSqlite = (db: Db | Prisma.TransactionClient): boolean => (db as unknown as { _activeProvider: string })._activeProvider === 'sqlite';

/**
 * `column` is one of `ids`. On Postgres `= any($n)`: one array parameter whatever the count, so
 * the statement keeps one text and stays prepared (an IN list is parsed and planned anew for each
 * length). SQLite has no arrays: an IN list there.
 */
export function isOneOf<Tables, TB extends keyof Tables>(
  db: Db,
  eb: ExpressionBuilder<Tables, TB>,
  column: StringReference<Tables, TB>,
  ids: readonly string[],
): Expression<SqlBool> {
  // The column's type is generic here; the callers name id columns (text), which the ids match.
  const values = [...ids] as never;
  return onSqlite(db) ? eb(column, 'in', values) : eb(column, '=', eb.fn.any(eb.val(values)) as never);
}

interface Reader {
  adapter?: SqlDriverAdapter;
  onQuery?: (sql: string) => void;
}

const readers = new WeakMap<Db, Reader>();

/**
 * The adapter factory, noting the adapter each connect() gives Prisma: typed reads run on it.
 * Until Prisma has connected, they run through Prisma's raw queries instead.
 */
export function sharedWithTypedReads<F extends SqlDriverAdapterFactory>(factory: F): { factory: F; bind(db: Db, onQuery?: (sql: string) => void): void } {
  const reader: Reader = {};
  const shared = new Proxy(factory, {
    get(target, property, receiver) {
      if (property === 'connect') {
        return async () => {
          const adapter = await target.connect();
          reader.adapter = adapter;
          return adapter;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return {
    factory: shared,
    bind(db, onQuery) {
      reader.onQuery = onQuery;
      readers.set(db, reader);
    },
  };
}

/** Runs a typed statement; the rows have the types the statement declares (BigInt for 64-bit integers, Date for timestamps). */
export async function runTyped<Q extends Compilable<object>>(db: Db, query: Q): Promise<InferResult<Q>> {
  const { sql, parameters } = query.compile();
  const reader = readers.get(db);
  if (!reader?.adapter) return db.$queryRawUnsafe(sql, ...parameters) as Promise<InferResult<Q>>;
  reader.onQuery?.(sql);
  const result = await reader.adapter.queryRaw({ sql, args: [...parameters], argTypes: parameters.map(argTypeOf) });
  const { columnNames, columnTypes } = result;
  const decoders = columnTypes.map(decoderOf);
  const shape = shapeOf(columnNames);
  return result.rows.map((values) => {
    // A copy of a complete object is allocated at its final size once; keys added one by one would regrow it.
    const row: Record<string, unknown> = { ...shape };
    for (let i = 0; i < columnNames.length; i += 1) {
      const value = values[i];
      row[columnNames[i]!] = value === null || value === undefined ? null : decoders[i]!(value);
    }
    return row;
  }) as InferResult<Q>;
}

/** One object per distinct column list, every column null: the shape each row is copied from. */
const shapes = new Map<string, Record<string, null>>();
function shapeOf(columnNames: readonly string[]): Record<string, null> {
  const key = columnNames.join(',');
  let shape = shapes.get(key);
  if (!shape) {
    shape = Object.fromEntries(columnNames.map((name) => [name, null]));
    // Bounded: the statements are the code's, so their column lists are few.
    if (shapes.size < 1000) shapes.set(key, shape);
  }
  return shape;
}

/** What the adapters need to know of a parameter to send it (dates in the stored format, 64-bit integers exactly). */
function argTypeOf(value: unknown): ArgType {
  const scalarType: ArgType['scalarType'] =
    value instanceof Date
      ? 'datetime'
      : typeof value === 'bigint'
        ? 'bigint'
        : typeof value === 'number'
          ? Number.isInteger(value)
            ? 'int'
            : 'float'
          : 'string';
  return { scalarType, arity: Array.isArray(value) ? 'list' : 'scalar' };
}

const same = (value: unknown) => value;
const toBigInt = (value: unknown) => (typeof value === 'bigint' ? value : BigInt(value as string | number));
const toDate = (value: unknown) => new Date(value as string | number);
const toBuffer = (value: unknown) => (Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array));

/** Values as Prisma's raw queries hand them over: the adapters give 64-bit integers and timestamps as text. */
function decoderOf(type: number): (value: unknown) => unknown {
  switch (type) {
    case ColumnTypeEnum.Int64:
      return toBigInt;
    case ColumnTypeEnum.DateTime:
      return toDate;
    case ColumnTypeEnum.Bytes:
      return toBuffer;
    default:
      return same;
  }
}
