import type { ArgType, SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import type BetterSqlite3 from 'better-sqlite3';
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
import { RUN_ALONE, type RunAlone } from './sqliteIsolation.ts';

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
  /** On SQLite: the adapter's better-sqlite3 connection, read directly under the isolation lock. */
  sqlite?: SqliteReads;
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
          reader.sqlite = sqliteReadsOf(adapter);
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
  if (reader.sqlite) {
    const rows = await readSqlite(reader.sqlite, sql, parameters);
    if (rows) return rows as InferResult<Q>;
  }
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

// ---------------------------------------------------------------- SQLite: better-sqlite3 directly

interface SqliteReads {
  client: BetterSqlite3.Database;
  alone: RunAlone;
  statements: Map<string, Prepared | null>;
  dataVersion?: BetterSqlite3.Statement;
}

/**
 * SQLite: the connection's `data_version`, which moves whenever another connection (another
 * process: the admin CLI, a migration) has committed to the file since this connection last
 * looked, and never for this connection's own commits; with the connection it belongs to (a
 * reconnect starts another count). Undefined on PostgreSQL and before Prisma has connected.
 */
export function sqliteDataVersion(db: Db): { connection: object; version: number } | undefined {
  const sqlite = readers.get(db)?.sqlite;
  if (!sqlite) return undefined;
  sqlite.dataVersion ??= sqlite.client.prepare('PRAGMA data_version').pluck();
  return { connection: sqlite.client, version: Number(sqlite.dataVersion.get()) };
}

/** A statement prepared once, with its columns' decoders and its rows' shape. */
interface Prepared {
  statement: BetterSqlite3.Statement;
  columnNames: string[];
  decoders: Array<(value: unknown) => unknown>;
  shape: Record<string, null>;
}

function sqliteReadsOf(adapter: SqlDriverAdapter): SqliteReads | undefined {
  const alone = (adapter as unknown as Record<symbol, unknown>)[RUN_ALONE] as RunAlone | undefined;
  const client = (adapter as unknown as { client?: BetterSqlite3.Database }).client;
  return alone && typeof client?.prepare === 'function' ? { client, alone, statements: new Map() } : undefined;
}

/**
 * A typed read on SQLite, straight on the adapter's better-sqlite3 connection, under the same
 * isolation lock. The adapter prepares every statement anew and passes every value through a
 * generic conversion (integers to numbers and back); here a statement is prepared once and each
 * column decoded as the adapter and Prisma's raw queries decode it (BIGINT as BigInt, INTEGER as
 * a number, DATETIME as a Date). Undefined when the statement is not a plain read, or fails:
 * the adapter then runs it, and reports its error as it reports every other.
 */
async function readSqlite(reads: SqliteReads, sql: string, parameters: readonly unknown[]): Promise<Record<string, unknown>[] | undefined> {
  try {
    return await reads.alone(() => {
      const prepared = preparedOn(reads, sql);
      if (!prepared) return undefined;
      const { statement, columnNames, decoders, shape } = prepared;
      const values = statement.all(...parameters.map(sqliteArg)) as unknown[][];
      return values.map((row) => {
        const out: Record<string, unknown> = { ...shape };
        for (let i = 0; i < columnNames.length; i += 1) {
          const value = row[i];
          out[columnNames[i]!] = value === null || value === undefined ? null : decoders[i]!(value);
        }
        return out;
      });
    });
  } catch {
    return undefined;
  }
}

/** Statements by text; bounded (IN lists of every length have texts of their own). */
const MAX_PREPARED = 500;

function preparedOn(reads: SqliteReads, sql: string): Prepared | null {
  let prepared = reads.statements.get(sql);
  if (prepared === undefined) {
    const statement = reads.client.prepare(sql);
    prepared = statement.reader ? prepare(statement) : null;
    if (reads.statements.size >= MAX_PREPARED) reads.statements.clear();
    reads.statements.set(sql, prepared);
  }
  return prepared;
}

function prepare(statement: BetterSqlite3.Statement): Prepared {
  statement.raw(true);
  const columns = statement.columns();
  const columnNames = columns.map((column) => column.name);
  return { statement, columnNames, decoders: columns.map((column) => sqliteDecoderOf(column.type)), shape: shapeOf(columnNames) };
}

/** As @prisma/adapter-better-sqlite3 reads a declared type (its integers come as BigInt: the connection uses safe integers). */
function sqliteDecoderOf(declared: string | null): (value: unknown) => unknown {
  switch (declared?.toUpperCase()) {
    case 'BIGINT':
    case 'INT8':
    case 'UNSIGNED BIG INT':
      return toBigInt;
    case 'INTEGER':
    case 'INT':
    case 'TINYINT':
    case 'SMALLINT':
    case 'MEDIUMINT':
    case 'INT2':
    case 'SERIAL':
    case 'BOOLEAN':
      return toInteger;
    case 'DATETIME':
    case 'TIMESTAMP':
      return (value) => (typeof value === 'string' ? new Date(value) : new Date(Number(value)));
    case 'BLOB':
      return toBuffer;
    default:
      // TEXT, REAL, and expressions without a declared type (a count is a BigInt, as the adapter infers it).
      return same;
  }
}

const toInteger = (value: unknown) => (typeof value === 'bigint' ? Number(value) : Math.trunc(value as number));

/** Parameters as the adapter binds them: dates in the stored ISO format, booleans as 0 and 1. */
function sqliteArg(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
