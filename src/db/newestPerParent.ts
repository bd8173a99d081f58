import type { ExpressionBuilder, Selectable } from 'kysely';
import type { Db } from './client.ts';
import type { DB } from './generated/kysely/tables.ts';
import { inRange, type KeysetRange, type Listed, readOrder } from './keysetRows.ts';
import { isOneOf, runTyped, typedSql } from './typedSql.ts';

/** The child tables listed per parent, each with the column that names its parent. */
export interface ParentColumnOf {
  Case: 'creditorId';
  Payment: 'caseId';
}

/**
 * The rows of many parents in the account, at most `take` per parent in `range` (see KeysetRange),
 * each parent's in the range's read order, in one statement: the rows numbered per parent in
 * that order, cut at `take`. It reads every row of those parents after the cursor (as their
 * totalCount does), which here measured faster than one LIMITed branch per parent: those made a
 * statement as long as the page and took longer to plan than to run.
 */
export async function newestPerParent<Table extends keyof ParentColumnOf>(
  db: Db,
  table: Table,
  parentColumn: ParentColumnOf[Table],
  accountId: string,
  parentIds: readonly string[],
  range: KeysetRange,
  take: number,
): Promise<Selectable<DB[Table]>[]> {
  // Kysely checks the statement against the listed tables together: every column named below
  // exists in each of them (the signature pairs each table with its own parent column).
  const from: keyof ParentColumnOf = table;
  const parent: ParentColumnOf[keyof ParentColumnOf] = parentColumn;
  const sql = typedSql(db);
  const order = readOrder(range);
  const ranked = sql
    .selectFrom(from)
    .selectAll()
    .select((eb) =>
      eb.fn
        .agg<number>('row_number')
        .over((over) => over.partitionBy(parent).orderBy('createdAt', order).orderBy('id', order))
        .as('rank'),
    )
    .where('accountId', '=', accountId)
    .where((eb) => isOneOf(db, eb, parent, parentIds))
    .where((eb) => inRange(eb as ExpressionBuilder<DB, Listed>, range));
  const rows = await runTyped(
    db,
    sql.selectFrom(ranked.as('ranked')).selectAll().where('rank', '<=', take).orderBy(parent).orderBy('createdAt', order).orderBy('id', order),
  );
  // The statement selects every column of `table` and nothing else but the rank.
  return rows.map(({ rank: _, ...row }) => row) as Selectable<DB[Table]>[];
}

/** How many rows each parent in the account has, in one grouped count; a parent without rows is absent. */
export async function countPerParent<Table extends keyof ParentColumnOf>(
  db: Db,
  table: Table,
  parentColumn: ParentColumnOf[Table],
  accountId: string,
  parentIds: readonly string[],
): Promise<Map<string, number>> {
  if (parentIds.length === 0) return new Map();
  const from: keyof ParentColumnOf = table;
  const parent: ParentColumnOf[keyof ParentColumnOf] = parentColumn;
  const rows = await runTyped(
    db,
    typedSql(db)
      .selectFrom(from)
      .select((eb) => [eb.ref(parent).as('parentId'), eb.fn.countAll<number | bigint>().as('count')])
      .where('accountId', '=', accountId)
      .where((eb) => isOneOf(db, eb, parent, parentIds))
      .groupBy(parent),
  );
  // Postgres counts in bigint, which the driver hands over as BigInt.
  return new Map(rows.map((row) => [row.parentId, Number(row.count)]));
}
