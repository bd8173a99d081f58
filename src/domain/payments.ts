import { createHash } from 'node:crypto';
import { type Case, type Db, type Payment, Prisma } from '../db/client.ts';
import { countPerParent, newestPerParent } from '../db/newestPerParent.ts';
import { CommitOutcomeUnknown, runTransaction } from '../db/transaction.ts';
import { type FieldError, message, named, OutcomeUnknownError } from './errors.ts';
import { newId } from './ids.ts';
import {
  type CheckedPageRequest,
  keysetPage,
  keysetPages,
  NEWEST_FIRST,
  type NumberedPageRequest,
  numberedPage,
  type Page,
  type PageRequest,
} from './paging.ts';
import { type CheckedRegistration, checkIdempotencyKey, checkRegistration, type ParsedRegistration, registrationFingerprint } from './registration.ts';
import { settle } from './settlement.ts';
import { isStorableText } from './text.ts';
import { CASE_STATE, caseStateOf, type PaymentStatus } from './vocabulary.ts';

export type { Payment };

export type RegisterResult =
  /** `case`: the payment's case, as its settlement left it (a replay: as read for this request). */
  { ok: true; payment: Payment; case: Case; replayed: boolean } | { ok: false; errors: FieldError[] };

export interface RegisterOptions {
  /** The Idempotency-Key header: identifies a registration that has no reference. */
  idempotencyKey?: string | null;
}

// Waiting for a hot case's lock under load is normal; Prisma's 2 s / 5 s defaults are not enough.
const TRANSACTION_OPTIONS = { maxWait: 20_000, timeout: 20_000 };

export function settledAmount(p: Payment): bigint {
  return p.settledCosts + p.settledInterest + p.settledCapital;
}

/**
 * Registers a payment a debtor made straight to the creditor and applies it to its case.
 * Expected failures come back as field errors with nothing stored; a retry of a stored
 * registration returns the stored payment, marked as replayed. A settlement that lost its
 * database connection before COMMIT runs again on another; one that lost it during COMMIT is
 * looked up, and when it cannot be found, OutcomeUnknownError is thrown (the adapters' 503).
 */
export async function registerPayment(db: Db, accountId: string, input: Record<string, unknown>, options: RegisterOptions = {}): Promise<RegisterResult> {
  const now = new Date();
  const { registration, parsed, errors } = checkRegistration(input, now);
  const keyError = checkIdempotencyKey(options.idempotencyKey);
  if (keyError) errors.push(keyError);
  const target = await resolveCase(db, accountId, parsed, registration);
  errors.push(...target.errors);
  if (!registration || !target.case || errors.length > 0) return { ok: false, errors };

  const theCase = target.case;
  const fingerprint = registrationFingerprint(registration, theCase.id);
  const idempotencyKey = registration.creditorPaymentReference === null ? (options.idempotencyKey ?? null) : null;
  const earlier = await findEarlier(db, accountId, registration, idempotencyKey, fingerprint, theCase);
  if (earlier) return earlier;

  // The payment's id: after a lost COMMIT it tells whether the payment was stored.
  const id = newId();
  let caseAfter: Case = theCase;
  try {
    const payment = await runTransaction(
      db,
      async (tx) => {
        const stored = await storeSettledPayment(tx, { id, accountId, registration, theCase, fingerprint, idempotencyKey, now });
        caseAfter = stored.caseAfter;
        return stored.payment;
      },
      TRANSACTION_OPTIONS,
    );
    return { ok: true, payment, case: caseAfter, replayed: false };
  } catch (error) {
    if (error instanceof CommitOutcomeUnknown) {
      // Found on another connection, it committed; not found, it may still (a network cut leaves
      // the server finishing it), so the client is told the outcome is unknown.
      const stored = await db.payment.findUnique({ where: { id } }).catch(() => null);
      if (stored) return { ok: true, payment: stored, case: caseAfter, replayed: false };
      const identifiedBy = registration.creditorPaymentReference !== null ? 'creditorPaymentReference' : idempotencyKey !== null ? 'idempotencyKey' : null;
      throw new OutcomeUnknownError(identifiedBy, { cause: error });
    }
    // A concurrent retry of the same registration committed first: answer as a replay.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const winner = await findEarlier(db, accountId, registration, idempotencyKey, fingerprint, theCase);
      if (winner) return winner;
    }
    throw error;
  }
}

export interface PaymentToStore {
  id: string;
  accountId: string;
  registration: CheckedRegistration;
  theCase: Case;
  fingerprint: string;
  idempotencyKey: string | null;
  now: Date;
  /** Set by a file import only. */
  fileImportReportId?: string | null;
}

/**
 * Settles a checked registration against its case and stores the payment, inside the caller's
 * transaction (registerPayment's, or a file import's batch).
 */
export async function storeSettledPayment(tx: Prisma.TransactionClient, p: PaymentToStore): Promise<{ payment: Payment; caseAfter: Case }> {
  const { registration, theCase, now } = p;
  // The version bump is the first write: it takes the case's row lock (Postgres) or the
  // write lock (SQLite) before the balance is read, so concurrent payments on one case
  // are applied one after another and never both spend the same remaining amount.
  const current = await tx.case.update({ where: { id: theCase.id }, data: { version: { increment: 1 } } });
  const settlement = settle(
    {
      state: caseStateOf(current),
      remainingCosts: current.remainingCosts,
      remainingInterest: current.remainingInterest,
      remainingCapital: current.remainingCapital,
    },
    registration.amount,
  );
  const caseAfter = current.state === CASE_STATE.OPEN ? await tx.case.update({ where: { id: theCase.id }, data: settlement.caseAfter }) : current;
  const settled = settlement.settledCosts + settlement.settledInterest + settlement.settledCapital;
  const record = {
    id: p.id,
    accountId: p.accountId,
    creditorId: registration.creditorId,
    caseId: theCase.id,
    currency: registration.currency,
    amount: registration.amount,
    settledCosts: settlement.settledCosts,
    settledInterest: settlement.settledInterest,
    settledCapital: settlement.settledCapital,
    status: settlement.status,
    statusReasonLocale: settlement.statusReasonLocale,
    bankTransactionDate: registration.bankTransactionDate,
    clientRegistrationDate: registration.clientRegistrationDate ?? now,
    bookingDate: settled > 0n ? now : null,
    creditorPaymentReference: registration.creditorPaymentReference,
    idempotencyKey: p.idempotencyKey,
    requestHash: p.fingerprint,
    origin: registration.origin,
    fileImportReportId: p.fileImportReportId ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const payment = await tx.payment.create({ data: { ...record, etag: etagOf(record) } });
  return { payment, caseAfter };
}

/**
 * Resolves the case the registration names, reporting unknown (or other accounts') ids as not
 * found; with what parsed, so those are reported beside other fields' failures.
 */
export async function resolveCase(
  db: Db | Prisma.TransactionClient,
  accountId: string,
  parsed: ParsedRegistration,
  r: CheckedRegistration | null,
): Promise<{ case: Case | null; errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const creditorId = parsed.creditorId;
  if (!creditorId) return { case: null, errors };
  const caseId = parsed.caseId ?? null;
  const invoiceNumber = parsed.invoiceNumber ?? null;
  const theCase = caseId
    ? await db.case.findFirst({ where: { id: caseId, accountId } })
    : invoiceNumber
      ? await db.case.findFirst({ where: { creditorId, invoiceNumber, accountId } })
      : null;
  // A case of this creditor in this account proves the creditor is there; only otherwise is it
  // looked up, to tell an unknown creditor from an unknown case (one statement less per payment).
  const creditorKnown =
    theCase?.creditorId === creditorId || (await db.creditor.findFirst({ where: { id: creditorId, accountId }, select: { id: true } })) !== null;
  if (!creditorKnown) {
    errors.push({ field: 'creditor', code: 'NOT_FOUND', message: message`${named('creditor')} ${creditorId} not found` });
    return { case: null, errors };
  }
  if (caseId && (!theCase || theCase.creditorId !== creditorId)) {
    const text = theCase
      ? message`${named('case')} ${caseId} does not belong to ${named('creditor')} ${creditorId}`
      : message`${named('case')} ${caseId} not found`;
    errors.push({ field: 'case', code: theCase ? 'INVALID' : 'NOT_FOUND', message: text });
    return { case: null, errors };
  }
  if (!caseId && invoiceNumber && !theCase) {
    errors.push({
      field: 'invoiceNumber',
      code: 'NOT_FOUND',
      message: message`no case of ${named('creditor')} ${creditorId} has invoice number ${invoiceNumber}`,
    });
    return { case: null, errors };
  }
  if (theCase && r) {
    if (r.currency !== theCase.currency) {
      errors.push({
        field: 'currency',
        code: 'INVALID',
        message: message`${named('currency')} ${r.currency} differs from the case's currency ${theCase.currency}`,
      });
    }
    if (r.account !== null && r.account !== theCase.accountId) {
      errors.push({ field: 'account', code: 'READ_ONLY', message: message`${named('account')} is read-only: when sent it must be the case's account` });
    }
  }
  return { case: theCase, errors };
}

/** The payment an earlier send of this registration stored, as a replay, or a conflict when its content differs. */
export async function findEarlier(
  db: Db | Prisma.TransactionClient,
  accountId: string,
  r: CheckedRegistration,
  idempotencyKey: string | null,
  fingerprint: string,
  theCase: Case,
): Promise<RegisterResult | null> {
  let earlier: Payment | null = null;
  let field: string;
  if (r.creditorPaymentReference !== null) {
    field = 'creditorPaymentReference';
    earlier = await db.payment.findUnique({
      where: { creditorId_creditorPaymentReference: { creditorId: r.creditorId, creditorPaymentReference: r.creditorPaymentReference } },
    });
  } else if (idempotencyKey !== null) {
    field = 'idempotencyKey';
    earlier = await db.payment.findUnique({ where: { accountId_idempotencyKey: { accountId, idempotencyKey } } });
  } else {
    return null;
  }
  if (!earlier) return null;
  // The same content names the same case (the fingerprint holds its id).
  if (earlier.requestHash === fingerprint) return { ok: true, payment: earlier, case: theCase, replayed: true };
  return {
    ok: false,
    errors: [{ field, code: 'CONFLICT', message: message`${named(field)} was already used for payment ${earlier.id} with different content` }],
  };
}

/** 40 hex characters that change whenever the stored payment does (REST's _etag). */
function etagOf(record: {
  id: string;
  updatedAt: Date;
  status: string;
  amount: bigint;
  settledCosts: bigint;
  settledInterest: bigint;
  settledCapital: bigint;
}): string {
  const content = [record.id, record.updatedAt.toISOString(), record.status, record.amount, record.settledCosts, record.settledInterest, record.settledCapital];
  return createHash('sha1').update(content.join('|')).digest('hex');
}

// --- reading the ledger (always within one account) ---

export interface PaymentFilter {
  creditorId?: string | null;
  caseId?: string | null;
  status?: PaymentStatus | null;
  bankTransactionDateFrom?: Date | null;
  bankTransactionDateTo?: Date | null;
  creditorPaymentReference?: string | null;
}

function paymentWhere(accountId: string, f: PaymentFilter = {}): Prisma.PaymentWhereInput {
  // No stored value can equal such text, and Postgres fails a query that merely holds a NUL: match nothing.
  if ([f.creditorId, f.caseId, f.creditorPaymentReference].some((v) => v && !isStorableText(v))) return { accountId, id: { in: [] } };
  const where: Prisma.PaymentWhereInput = { accountId };
  if (f.creditorId) where.creditorId = f.creditorId;
  if (f.caseId) where.caseId = f.caseId;
  if (f.status) where.status = f.status;
  if (f.creditorPaymentReference) where.creditorPaymentReference = f.creditorPaymentReference;
  if (f.bankTransactionDateFrom || f.bankTransactionDateTo) {
    where.bankTransactionDate = {
      ...(f.bankTransactionDateFrom ? { gte: f.bankTransactionDateFrom } : {}),
      ...(f.bankTransactionDateTo ? { lte: f.bankTransactionDateTo } : {}),
    };
  }
  return where;
}

export function findPayment(db: Db, accountId: string, id: string): Promise<Payment | null> {
  return db.payment.findFirst({ where: { id, accountId } });
}

export function listPayments(db: Db, accountId: string, filter: PaymentFilter, page: PageRequest): Promise<Page<Payment>> {
  return keysetPage(
    paymentWhere(accountId, filter),
    page,
    (where, take) => db.payment.findMany({ where, orderBy: [...NEWEST_FIRST], take }),
    (where) => db.payment.count({ where }),
  );
}

/**
 * The payments of many cases of the account, one newest-first page per case, in one
 * statement (see newestPerParent). `count` gives a case's totalCount.
 */
export function listPaymentsOfCases(
  db: Db,
  accountId: string,
  caseIds: readonly string[],
  request: CheckedPageRequest,
  count: (caseId: string) => Promise<number>,
): Promise<Map<string, Page<Payment>>> {
  return keysetPages(
    caseIds,
    request,
    (parents, cursor, take) => newestPerParent(db, 'Payment', 'caseId', accountId, parents, cursor, take),
    (payment) => payment.caseId,
    count,
  );
}

/** How many payments each case of the account has, in one grouped count. */
export function countPaymentsOfCases(db: Db, accountId: string, caseIds: readonly string[]): Promise<Map<string, number>> {
  return countPerParent(db, 'Payment', 'caseId', accountId, caseIds);
}

export function listPaymentsByPage(
  db: Db,
  accountId: string,
  filter: PaymentFilter,
  request: NumberedPageRequest<Prisma.PaymentOrderByWithRelationInput>,
): Promise<{ items: Payment[]; total: number }> {
  return numberedPage(
    paymentWhere(accountId, filter),
    { ...request, orderBy: [...request.orderBy, { id: 'desc' as const }] },
    (args) => db.payment.findMany(args),
    (where) => db.payment.count({ where }),
  );
}
