import type { ExpressionBuilder, Selectable } from 'kysely';
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

/** The payments list's filters, each an equality or a bound (checked by the domain). */
export interface PaymentRowFilter {
  creditorId?: string | null;
  caseId?: string | null;
  status?: string | null;
  creditorPaymentReference?: string | null;
  bankTransactionDateFrom?: Date | null;
  bankTransactionDateTo?: Date | null;
}

function paymentsOf(db: Db, accountId: string, f: PaymentRowFilter) {
  return typedSql(db)
    .selectFrom('Payment')
    .where('accountId', '=', accountId)
    .$if(Boolean(f.creditorId), (q) => q.where('creditorId', '=', f.creditorId!))
    .$if(Boolean(f.caseId), (q) => q.where('caseId', '=', f.caseId!))
    .$if(Boolean(f.status), (q) => q.where('status', '=', f.status!))
    .$if(Boolean(f.creditorPaymentReference), (q) => q.where('creditorPaymentReference', '=', f.creditorPaymentReference!))
    .$if(Boolean(f.bankTransactionDateFrom), (q) => q.where('bankTransactionDate', '>=', f.bankTransactionDateFrom!))
    .$if(Boolean(f.bankTransactionDateTo), (q) => q.where('bankTransactionDate', '<=', f.bankTransactionDateTo!));
}

/** A column of the payments table. */
export type PaymentColumn = keyof Selectable<DB['Payment']> & string;

/**
 * At most `take` payments of the account in the range, in its read order, in one typed statement:
 * every column, or only `columns` (the rows then hold only those; see PaymentColumns).
 */
export function paymentRows(
  db: Db,
  accountId: string,
  filter: PaymentRowFilter,
  range: KeysetRange,
  take: number,
  columns?: readonly PaymentColumn[],
): Promise<Selectable<DB['Payment']>[]> {
  const payments = paymentsOf(db, accountId, filter);
  const query = (columns ? payments.select([...columns]) : payments.selectAll())
    .where((eb) => inRange(eb as ExpressionBuilder<DB, Listed>, range))
    .orderBy('createdAt', readOrder(range))
    .orderBy('id', readOrder(range))
    .limit(take);
  // Rows of `columns` stand for whole rows: their reader asked only for those (PaymentColumns).
  return runTyped(db, query) as Promise<Selectable<DB['Payment']>[]>;
}

export async function countPayments(db: Db, accountId: string, filter: PaymentRowFilter): Promise<number> {
  return countOf(
    await runTyped(
      db,
      paymentsOf(db, accountId, filter).select((eb) => eb.fn.countAll<number | bigint>().as('count')),
    ),
  );
}

export interface CaseRowFilter {
  creditorId?: string | null;
  state?: string | null;
  invoiceNumber?: string | null;
}

function casesOf(db: Db, accountId: string, f: CaseRowFilter) {
  return typedSql(db)
    .selectFrom('Case')
    .where('accountId', '=', accountId)
    .$if(Boolean(f.creditorId), (q) => q.where('creditorId', '=', f.creditorId!))
    .$if(Boolean(f.state), (q) => q.where('state', '=', f.state!))
    .$if(Boolean(f.invoiceNumber), (q) => q.where('invoiceNumber', '=', f.invoiceNumber!));
}

/** At most `take` cases of the account in the range, in its read order, in one typed statement. */
export function caseRows(db: Db, accountId: string, filter: CaseRowFilter, range: KeysetRange, take: number): Promise<Selectable<DB['Case']>[]> {
  const query = casesOf(db, accountId, filter)
    .selectAll()
    .where((eb) => inRange(eb as ExpressionBuilder<DB, Listed>, range))
    .orderBy('createdAt', readOrder(range))
    .orderBy('id', readOrder(range))
    .limit(take);
  return runTyped(db, query);
}

export async function countCases(db: Db, accountId: string, filter: CaseRowFilter): Promise<number> {
  return countOf(
    await runTyped(
      db,
      casesOf(db, accountId, filter).select((eb) => eb.fn.countAll<number | bigint>().as('count')),
    ),
  );
}

/** At most `take` creditors of the account in the range, in its read order, in one typed statement. */
export function creditorRows(db: Db, accountId: string, range: KeysetRange, take: number): Promise<Selectable<DB['Creditor']>[]> {
  const query = typedSql(db)
    .selectFrom('Creditor')
    .selectAll()
    .where('accountId', '=', accountId)
    .where((eb) => inRange(eb as ExpressionBuilder<DB, Listed>, range))
    .orderBy('createdAt', readOrder(range))
    .orderBy('id', readOrder(range))
    .limit(take);
  return runTyped(db, query);
}

export async function countCreditors(db: Db, accountId: string): Promise<number> {
  return countOf(
    await runTyped(
      db,
      typedSql(db)
        .selectFrom('Creditor')
        .where('accountId', '=', accountId)
        .select((eb) => eb.fn.countAll<number | bigint>().as('count')),
    ),
  );
}

// Postgres counts in bigint, which the driver hands over as BigInt.
const countOf = (rows: { count: number | bigint }[]) => Number(rows[0]?.count ?? 0);
