import type { Selectable } from 'kysely';
import type { Db } from './client.ts';
import type { DB } from './generated/kysely/tables.ts';
import { runTyped, typedSql } from './typedSql.ts';

/** The child tables listed per parent, each with the column that names its parent. */
export interface ParentColumnOf {
  Case: 'creditorId';
  Payment: 'caseId';
}

/**
 * The rows of many parents in the account, at most `take` per parent, each parent's newest first
 * and older than `cursor` when one is given, in one statement: the rows numbered per parent in
 * the list's order, cut at `take`. It reads every row of those parents after the cursor (as their
 * totalCount does), which here measured faster than one LIMITed branch per parent: those made a
 * statement as long as the page and took longer to plan than to run.
 */
export async function newestPerParent<Table extends keyof ParentColumnOf>(
  db: Db,
  table: Table,
  parentColumn: ParentColumnOf[Table],
  accountId: string,
  parentIds: readonly string[],
  cursor: { createdAt: Date; id: string } | null,
  take: number,
): Promise<Selectable<DB[Table]>[]> {
  // Kysely checks the statement against the listed tables together: every column named below
  // exists in each of them (the signature pairs each table with its own parent column).
  const from: keyof ParentColumnOf = table;
  const parent: ParentColumnOf[keyof ParentColumnOf] = parentColumn;
  const sql = typedSql(db);
  const ranked = sql
    .selectFrom(from)
    .selectAll()
    .select((eb) =>
      eb.fn
        .agg<number>('row_number')
        .over((over) => over.partitionBy(parent).orderBy('createdAt', 'desc').orderBy('id', 'desc'))
        .as('rank'),
    )
    .where('accountId', '=', accountId)
    .where(parent, 'in', [...parentIds])
    .$if(cursor !== null, (q) =>
      q.where((eb) => eb.or([eb('createdAt', '<', cursor!.createdAt), eb.and([eb('createdAt', '=', cursor!.createdAt), eb('id', '<', cursor!.id)])])),
    );
  const rows = await runTyped(
    db,
    sql.selectFrom(ranked.as('ranked')).selectAll().where('rank', '<=', take).orderBy(parent).orderBy('createdAt', 'desc').orderBy('id', 'desc'),
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
      .where(parent, 'in', [...parentIds])
      .groupBy(parent),
  );
  // Postgres counts in bigint, which the driver hands over as BigInt.
  return new Map(rows.map((row) => [row.parentId, Number(row.count)]));
}
