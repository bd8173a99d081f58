import { type ExpressionBuilder, type Selectable, sql } from 'kysely';
import type { Db } from './client.ts';
import type { DB } from './generated/kysely/tables.ts';
import { runTyped, typedSql } from './typedSql.ts';

/** The tables listed newest first with keyset cursors on (createdAt, id). */
export type Listed = 'Payment' | 'Case' | 'Creditor';

/**
 * Where a page is cut from, in newest-first order: rows strictly older than `after` and strictly
 * newer than `before`; `backward` reads them oldest first (a `last` page, taken from that end).
 */
export interface KeysetRange {
  after: { createdAt: Date; id: string } | null;
  before: { createdAt: Date; id: string } | null;
  backward: boolean;
}

/** The range's condition on (createdAt, id), for any listed table. */
export function inRange(eb: ExpressionBuilder<DB, Listed>, range: KeysetRange) {
  const conditions = [];
  if (range.after) {
    const { createdAt, id } = range.after;
    conditions.push(eb.or([eb('createdAt', '<', createdAt), eb.and([eb('createdAt', '=', createdAt), eb('id', '<', id)])]));
  }
  if (range.before) {
    const { createdAt, id } = range.before;
    conditions.push(eb.or([eb('createdAt', '>', createdAt), eb.and([eb('createdAt', '=', createdAt), eb('id', '>', id)])]));
  }
  return eb.and(conditions);
}

/** The direction a range is read in: newest first, or oldest first for a backward page. */
export const readOrder = (range: KeysetRange) => (range.backward ? 'asc' : 'desc');

/** A row of a listed table: each has the (createdAt, id) its keyset is cut on. */
export type ListedRow<Table extends Listed> = Selectable<DB[Table]> & { id: string; createdAt: Date };

/** The columns of a listed table. */
export type ColumnOf<Table extends Listed> = keyof Selectable<DB[Table]> & string;

/**
 * One condition of a list's filter on a column of its table: equal to a value, or at or beyond a
 * bound. A condition whose value was not given (null, undefined or empty) is left out.
 */
export type RowCondition<Table extends Listed> = {
  [Column in ColumnOf<Table>]: readonly [Column, '=' | '>=' | '<=', Selectable<DB[Table]>[Column] | null | undefined];
}[ColumnOf<Table>];

/** The account's rows of `table` that every given condition holds for. */
function rowsOf<Table extends Listed>(db: Db, table: Table, accountId: string, filter: readonly RowCondition<Table>[]) {
  // Kysely checks the statement against the listed tables together (every column named here
  // exists in each); the filter's columns are checked against `table` by RowCondition.
  const from: Listed = table;
  let query = typedSql(db).selectFrom(from).where('accountId', '=', accountId);
  for (const [column, comparison, value] of filter) {
    if (value !== null && value !== undefined && value !== '') query = query.where(sql.ref(column), comparison, value);
  }
  return query;
}

/**
 * At most `take` rows of the account in the range that the filter selects, in the range's read
 * order, in one typed statement: every column, or only `columns` and the keyset's (id, createdAt,
 * accountId). Such rows hold only those: for a reader that uses nothing else (see src/graphql/types/payment.ts).
 */
export async function keysetRows<Table extends Listed>(
  db: Db,
  table: Table,
  accountId: string,
  filter: readonly RowCondition<Table>[],
  range: KeysetRange,
  take: number,
  columns?: readonly ColumnOf<Table>[],
): Promise<ListedRow<Table>[]> {
  const rows = rowsOf(db, table, accountId, filter);
  // Every listed table has the keyset's columns; `columns` are checked against `table` by ColumnOf.
  const read = columns ? [...new Set<string>(['id', 'createdAt', 'accountId', ...columns])] : null;
  const query = (read ? rows.select(read as (keyof Selectable<DB[Listed]> & string)[]) : rows.selectAll())
    .where((eb) => inRange(eb, range))
    .orderBy('createdAt', readOrder(range))
    .orderBy('id', readOrder(range))
    .limit(take);
  // The statement selects the columns of `table` asked for (all by default) and nothing else.
  return (await runTyped(db, query)) as unknown as ListedRow<Table>[];
}

/** How many rows of the account the filter selects (cursors aside). */
export async function countRows<Table extends Listed>(db: Db, table: Table, accountId: string, filter: readonly RowCondition<Table>[]): Promise<number> {
  const rows = await runTyped(
    db,
    rowsOf(db, table, accountId, filter).select((eb) => eb.fn.countAll<number | bigint>().as('count')),
  );
  // Postgres counts in bigint, which the driver hands over as BigInt.
  return Number(rows[0]?.count ?? 0);
}
