import type { Db } from '../db/client.ts';
import { countRows, keysetRows, type Listed, type ListedRow, type RowCondition } from '../db/keysetRows.ts';
import { countPerParent, newestPerParent, type ParentColumnOf } from '../db/newestPerParent.ts';
import { type CheckedPageRequest, keysetPage, keysetPages, type NumberedPageRequest, numberedPage, type Page, type PageRequest } from './paging.ts';

/**
 * The lists every listed table has, written once: a newest-first keyset page (GraphQL's
 * connections), the same pages for many parents at once (a connection inside a list), and a
 * numbered page (REST's lists). Each table's module names its table, filter and parent column.
 */

/** A newest-first page of the account's rows of `table` that the filter selects; a null filter matches nothing. */
export function listRows<Table extends Listed>(
  db: Db,
  table: Table,
  accountId: string,
  filter: readonly RowCondition<Table>[] | null,
  page: PageRequest,
): Promise<Page<ListedRow<Table>>> {
  return keysetPage(
    page,
    async (range, take) => (filter ? keysetRows(db, table, accountId, filter, range, take) : []),
    async () => (filter ? countRows(db, table, accountId, filter) : 0),
  );
}

/**
 * The rows of many parents of the account, one newest-first page per parent, in one statement
 * (see newestPerParent). `count` gives a parent's totalCount (see countRowsOfParents).
 */
export function listRowsOfParents<Table extends keyof ParentColumnOf>(
  db: Db,
  [table, parentColumn]: readonly [Table, ParentColumnOf[Table]],
  accountId: string,
  parentIds: readonly string[],
  request: CheckedPageRequest,
  count: (parentId: string) => Promise<number>,
): Promise<Map<string, Page<ListedRow<Table>>>> {
  return keysetPages(
    parentIds,
    request,
    // Every listed table has the (createdAt, id) of its keyset, and each row its parent's id.
    async (parents, range, take) => (await newestPerParent(db, table, parentColumn, accountId, parents, range, take)) as ListedRow<Table>[],
    (row) => (row as Record<string, unknown>)[parentColumn] as string,
    count,
  );
}

/** How many rows each parent of the account has, in one grouped count. */
export function countRowsOfParents<Table extends keyof ParentColumnOf>(
  db: Db,
  [table, parentColumn]: readonly [Table, ParentColumnOf[Table]],
  accountId: string,
  parentIds: readonly string[],
): Promise<Map<string, number>> {
  return countPerParent(db, table, parentColumn, accountId, parentIds);
}

/** The two reads of a numbered page, as a Prisma model gives them. */
interface NumberedReads<Row, Where, Order> {
  findMany(args: { where: Where; orderBy: Order[]; skip: number; take: number }): PromiseLike<Row[]>;
  count(args: { where: Where }): PromiseLike<number>;
}

/** A numbered page of the rows `where` selects (REST's lists), ordered as asked and then by id, so no two pages overlap. */
export function listRowsByPage<Row, Where, Order>(
  model: NumberedReads<Row, Where, Order>,
  where: Where,
  request: NumberedPageRequest<Order>,
): Promise<{ items: Row[]; total: number }> {
  return numberedPage(
    where,
    { ...request, orderBy: [...request.orderBy, { id: 'desc' } as Order] },
    async (args) => model.findMany(args),
    async (where) => model.count({ where }),
  );
}
