import type { Db } from '../db/client.ts';
import { type ColumnOf, countRows, keysetRows, type Listed, type ListedRow, type RowCondition } from '../db/keysetRows.ts';
import { countPerParent, newestPerParent, type ParentColumnOf } from '../db/newestPerParent.ts';
import type { FilterExpression } from './listFilter.ts';
import { type CheckedPageRequest, keysetPage, keysetPages, type NumberedPageRequest, numberedPage, type Page, type PageRequest } from './paging.ts';

/** A newest-first page of the account's rows of `table` that the filter selects; a null filter matches nothing. */
export function listRows<Table extends Listed>(
  db: Db,
  table: Table,
  accountId: string,
  filter: readonly RowCondition<Table>[] | null,
  page: PageRequest,
  columns?: readonly ColumnOf<Table>[],
): Promise<Page<ListedRow<Table>>> {
  return keysetPage(
    page,
    async (range, take) => (filter ? keysetRows(db, table, accountId, filter, range, take, columns) : []),
    async () => (filter ? countRows(db, table, accountId, filter) : 0),
  );
}

/** The two reads of a numbered page, as a Prisma model gives them. */
interface NumberedReads<Row, Where, Order> {
  findMany(args: { where: Where; orderBy: Order[]; skip: number; take: number }): PromiseLike<Row[]>;
  count(args: { where: Where }): PromiseLike<number>;
}

/** What a table's lists need to know of it. */
interface ListedTable<Table extends keyof ParentColumnOf, Filter, Row, Where, Order> {
  table: Table;
  /** The column naming the parent its rows are listed under inside a parent's connection. */
  parentColumn: ParentColumnOf[Table];
  /** A connection's filter as conditions on the table; null when it can match nothing. */
  conditions(filter: Filter): readonly RowCondition<Table>[] | null;
  /** The Prisma model the numbered lists read. */
  model(db: Db): NumberedReads<Row, Where, Order>;
  /** A numbered list's filter as the model's where, inside the account. */
  where(accountId: string, filter: FilterExpression): Where;
}

/**
 * The lists every child table has, written once: a newest-first keyset page (GraphQL's
 * connections), the same pages for many parents at once in one statement (a connection inside a
 * list, see newestPerParent) with a grouped count per parent, and a numbered page (REST's lists,
 * ordered as asked and then by id, so no two pages overlap).
 */
export function tableLists<Table extends keyof ParentColumnOf, Filter, Row, Where, Order>(spec: ListedTable<Table, Filter, Row, Where, Order>) {
  const { table, parentColumn } = spec;
  return {
    /** `columns`: read only those and the keyset's; see keysetRows. */
    list: (db: Db, accountId: string, filter: Filter, page: PageRequest, columns?: readonly ColumnOf<Table>[]) =>
      listRows(db, table, accountId, spec.conditions(filter), page, columns),

    listOfParents: (
      db: Db,
      accountId: string,
      parentIds: readonly string[],
      request: CheckedPageRequest,
      count: (parentId: string) => Promise<number>,
    ): Promise<Map<string, Page<ListedRow<Table>>>> =>
      keysetPages(
        parentIds,
        request,
        // Every listed table has the (createdAt, id) of its keyset, and each child row its parent's id.
        async (parents, range, take) =>
          (await newestPerParent(db, table, parentColumn, accountId, parents, range, take)) as (ListedRow<Table> & Record<ParentColumnOf[Table], string>)[],
        (row) => row[parentColumn],
        count,
      ),

    countOfParents: (db: Db, accountId: string, parentIds: readonly string[]) => countPerParent(db, table, parentColumn, accountId, parentIds),

    listByPage: (db: Db, accountId: string, filter: FilterExpression, request: NumberedPageRequest<Order>): Promise<{ items: Row[]; total: number }> => {
      const model = spec.model(db);
      return numberedPage(
        spec.where(accountId, filter),
        { ...request, orderBy: [...request.orderBy, { id: 'desc' } as Order] },
        async (args) => model.findMany(args),
        async (where) => model.count({ where }),
      );
    },
  };
}
