import DataLoader from 'dataloader';
import type { Account, Case, Creditor, Db } from '../db/client.ts';
import { isOneOf, runTyped, typedSql } from '../db/typedSql.ts';
import { countCasesOfCreditors, listCasesOfCreditors } from '../domain/cases.ts';
import type { CheckedPageRequest, Page } from '../domain/paging.ts';
import { countPaymentsOfCases, listPaymentsOfCases } from '../domain/payments.ts';

/**
 * Per-request batching of the rows a list's items point at: a page of N payments asking
 * for their case and creditor costs one query, not one per payment (nor one per table).
 * Every lookup stays inside the caller's account.
 *
 * `account`: the caller's account when the API-key lookup already read it (no query for it then).
 */
export function createLoaders(db: Db, accountId: string, account?: Account) {
  const byId = <T extends { id: string }>(load: (ids: string[]) => Promise<T[]>) => new RowLoader<T>(load);
  const accountLoader = byId<Account>((ids) => db.account.findMany({ where: { id: { in: ids.filter((id) => id === accountId) } } }));
  if (account && account.id === accountId) accountLoader.prime(account.id, account);

  const creditorLoader = byId<Creditor>((ids) => db.creditor.findMany({ where: { id: { in: ids }, accountId } }));

  // A connection field inside a list (each case's payments, each creditor's cases): one
  // statement for the pages of all parents, and one grouped count when totalCount is asked.
  const counts = (count: (ids: readonly string[]) => Promise<Map<string, number>>) =>
    new DataLoader<string, number>(
      async (ids) => {
        const found = await count(ids);
        return ids.map((id) => found.get(id) ?? 0);
      },
      { maxBatchSize: 1000 },
    );
  const pages = <T>(
    list: (parentIds: string[], request: CheckedPageRequest, count: (parentId: string) => Promise<number>) => Promise<Map<string, Page<T>>>,
    countLoader: DataLoader<string, number>,
  ) =>
    new DataLoader<ChildPageKey, Page<T>, string>(
      async (keys) => {
        // Siblings of one list share their page arguments: one statement per distinct (first/last, after, before).
        const byRequest = new Map<string, ChildPageKey[]>();
        for (const key of keys) {
          const group = byRequest.get(requestKey(key));
          if (group) group.push(key);
          else byRequest.set(requestKey(key), [key]);
        }
        const found = new Map<string, Page<T>>();
        await Promise.all(
          [...byRequest.values()].map(async (group) => {
            const pagesOfGroup = await list(
              group.map((key) => key.parentId),
              group[0]!,
              (parentId) => countLoader.load(parentId),
            );
            for (const key of group) found.set(childPageKey(key), pagesOfGroup.get(key.parentId)!);
          }),
        );
        return keys.map((key) => found.get(childPageKey(key))!);
      },
      { maxBatchSize: 1000, cacheKeyFn: childPageKey },
    );
  const paymentsOfCase = pages(
    (caseIds, request, count) => listPaymentsOfCases(db, accountId, caseIds, request, count),
    counts((caseIds) => countPaymentsOfCases(db, accountId, caseIds)),
  );
  const casesOfCreditor = pages(
    (creditorIds, request, count) => listCasesOfCreditors(db, accountId, creditorIds, request, count),
    counts((creditorIds) => countCasesOfCreditors(db, accountId, creditorIds)),
  );

  // Cases are read together with their creditor in one JOIN, which primes the creditor loader:
  // a payment's creditor is its case's creditor, so a page asking for both costs one round trip.
  // Each row primes its creditor and is rebuilt as a plain literal without the creditor's columns
  // (a literal of known shape is several times cheaper than a rest-spread copy).
  const primeCreditor = (c: CreditorColumns) =>
    creditorLoader.prime(c.creditorId, { id: c.creditorId, accountId: c.accountId, name: c.creditorName, createdAt: c.creditorCreatedAt });
  const caseLoader = byId<Case>(async (ids) =>
    (await casesWithCreditors(db, accountId, ids)).map((c): Case => {
      primeCreditor(c);
      return {
        ...projectionOf(c),
        remainingCosts: c.remainingCosts,
        remainingInterest: c.remainingInterest,
        remainingCapital: c.remainingCapital,
        version: c.version,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
      };
    }),
  );
  // What a payments page's items read of their cases, when that is all they read (src/graphql/types/payment.ts):
  // the same JOIN with about half the columns, and their building was most of the read's time on a 100-row page.
  const caseProjection = byId<CaseProjection>(async (ids) =>
    (await caseProjectionsWithCreditors(db, accountId, ids)).map((c) => {
      primeCreditor(c);
      return projectionOf(c);
    }),
  );
  return { case: caseLoader, caseProjection, creditor: creditorLoader, account: accountLoader, paymentsOfCase, casesOfCreditor };
}

/**
 * Rows by id, batched per request; a row already read is also there synchronously (`loaded`),
 * so the fields a list's items project from it resolve without a promise each: on a 100-row
 * page with four projections that was a fifth of the request's allocations.
 */
export class RowLoader<T extends { id: string }> extends DataLoader<string, T | null> {
  private readonly rows: Map<string, T>;

  private readonly read: (ids: string[]) => Promise<T[]>;

  constructor(load: (ids: string[]) => Promise<T[]>, options: DataLoader.Options<string, T | null> = {}) {
    const rows = new Map<string, T>();
    super(
      async (ids) => {
        const found = await load([...ids]);
        for (const row of found) rows.set(row.id, row);
        return ids.map((id) => rows.get(id) ?? null);
      },
      { maxBatchSize: 1000, ...options },
    );
    this.rows = rows;
    this.read = load;
  }

  /**
   * Reads the rows not read yet, in one batch, before their fields are resolved: a page's rows
   * then project them without a promise each (loadMany would make one per row).
   */
  async preload(ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.rows.has(id));
    if (missing.length === 0) return;
    for (const row of await this.read(missing)) this.prime(row.id, row);
  }

  /** The row when this request has read it already. */
  loaded(id: string): T | undefined {
    return this.rows.get(id);
  }

  /** The row, synchronously when already read; a miss in the caller's account is a bug, not "not found". */
  row(id: string, what: string): T | Promise<T> {
    return this.rows.get(id) ?? this.load(id).then((row) => presentRow(row, what));
  }

  override prime(id: string, row: T | PromiseLike<T | null> | Error | null): this {
    if (row !== null && !(row instanceof Error) && !('then' in row)) this.rows.set(id, row);
    return super.prime(id, row);
  }

  override clearAll(): this {
    this.rows.clear();
    return super.clearAll();
  }
}

/** A row a list item points at must exist in the caller's account. */
export function presentRow<T>(row: T | null, what: string): T {
  if (row === null) throw new Error(`${what} missing`);
  return row;
}

/** A page of a parent's children: the parent and the checked page arguments. */
export interface ChildPageKey extends CheckedPageRequest {
  parentId: string;
}

const requestKey = (key: CheckedPageRequest) => `${key.backward ? 'last' : 'first'}:${key.size}:${key.after ?? ''}:${key.before ?? ''}`;
const childPageKey = (key: ChildPageKey) => `${key.parentId}:${requestKey(key)}`;

/** What a case read brings of its creditor. */
interface CreditorColumns {
  accountId: string;
  creditorId: string;
  creditorName: string;
  creditorCreatedAt: Date;
}

type CaseWithCreditor = Case & CreditorColumns;

/** Cases of the account by id, each with its creditor's columns, in one typed statement on either database. */
function casesWithCreditors(db: Db, accountId: string, ids: string[]): Promise<CaseWithCreditor[]> {
  const query = typedSql(db)
    .selectFrom('Case as c')
    .innerJoin('Creditor as cr', (join) => join.onRef('cr.id', '=', 'c.creditorId').onRef('cr.accountId', '=', 'c.accountId'))
    .selectAll('c')
    .select(['cr.name as creditorName', 'cr.createdAt as creditorCreatedAt'])
    .where('c.accountId', '=', accountId)
    .where((eb) => isOneOf(db, eb, 'c.id', ids));
  return runTyped(db, query);
}

/** The columns of a case its payments project (and a page's items may ask of their case), with what finds its creditor. */
export const CASE_PROJECTION_COLUMNS = ['id', 'accountId', 'creditorId', 'invoiceNumber', 'referenceNumber', 'currency', 'state'] as const;
export type CaseProjection = Pick<Case, (typeof CASE_PROJECTION_COLUMNS)[number]>;

/** The projection's columns of a case row read with its creditor's, as a literal of exactly those. */
function projectionOf(c: CaseProjection): CaseProjection {
  return {
    id: c.id,
    accountId: c.accountId,
    creditorId: c.creditorId,
    invoiceNumber: c.invoiceNumber,
    referenceNumber: c.referenceNumber,
    currency: c.currency,
    state: c.state,
  };
}

function caseProjectionsWithCreditors(db: Db, accountId: string, ids: string[]) {
  const query = typedSql(db)
    .selectFrom('Case as c')
    .innerJoin('Creditor as cr', (join) => join.onRef('cr.id', '=', 'c.creditorId').onRef('cr.accountId', '=', 'c.accountId'))
    .select(CASE_PROJECTION_COLUMNS.map((column) => `c.${column}` as const))
    .select(['cr.name as creditorName', 'cr.createdAt as creditorCreatedAt'])
    .where('c.accountId', '=', accountId)
    .where((eb) => isOneOf(db, eb, 'c.id', ids));
  return runTyped(db, query);
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Builds a request's loaders for the caller's account (`account`: when the key lookup read it already). */
export type LoaderFactory = (db: Db, accountId: string, account?: Account) => Loaders;
