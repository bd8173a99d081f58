import { createHash } from 'node:crypto';
import { type Case, type Db, type Payment, Prisma } from '../db/client.ts';
import type { RowCondition } from '../db/keysetRows.ts';
import { CommitOutcomeUnknown, runTransaction } from '../db/transaction.ts';
import { type FieldError, message, named, OutcomeUnknownError } from './errors.ts';
import { paymentRegistered } from './events.ts';
import { newId } from './ids.ts';
import { paymentWhereOf } from './listFilter.ts';
import { tableLists } from './lists.ts';
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
export const TRANSACTION_OPTIONS = { maxWait: 20_000, timeout: 20_000 };

export function settledAmount(p: Payment): bigint {
  return p.settledCosts + p.settledInterest + p.settledCapital;
}

/** The case named by a registration did not resolve to one it can be applied to: the transaction is rolled back. */
class CaseRefused extends Error {}

/**
 * Registers a payment a debtor made straight to the creditor and applies it to its case.
 * Expected failures come back as field errors with nothing stored, all of them together; a
 * retry of a stored registration returns the stored payment, marked as replayed. A settlement
 * that lost its database connection before COMMIT runs again on another; one that lost it during
 * COMMIT is looked up, and when it cannot be found, OutcomeUnknownError is thrown (the adapters' 503).
 *
 * A well-formed registration goes straight into the transaction: its first statement finds the
 * case and locks it, the unique constraints tell an earlier registration of the same reference or
 * key (looked up only then), so a new payment costs BEGIN, two UPDATEs, one INSERT and COMMIT.
 */
export async function registerPayment(db: Db, accountId: string, input: Record<string, unknown>, options: RegisterOptions = {}): Promise<RegisterResult> {
  const now = new Date();
  const { registration, parsed, errors } = checkRegistration(input, now);
  const keyError = checkIdempotencyKey(options.idempotencyKey);
  if (keyError) errors.push(keyError);
  const idempotencyKey = keyError ? null : identifyingKey(input, options.idempotencyKey);
  if (registration && errors.length === 0) {
    const settled = await settleRegistration(db, accountId, registration, idempotencyKey, now);
    if (settled) return settled;
  }
  return { ok: false, errors: await registrationFailures(db, accountId, parsed, errors, idempotencyKey) };
}

/** The Idempotency-Key identifies a registration only when it sends no reference. */
export function identifyingKey(input: Record<string, unknown>, key: string | null | undefined): string | null {
  const reference = input.creditorPaymentReference;
  return reference === undefined || reference === null ? (key ?? null) : null;
}

/** The case a well-formed registration names, within the account: by id or by the creditor's invoice number. */
function namedCase(accountId: string, r: CheckedRegistration): Prisma.CaseWhereInput {
  return r.caseId !== null ? { id: r.caseId, accountId } : { creditorId: r.creditorId, invoiceNumber: r.invoiceNumber ?? '', accountId };
}

/** Stores a well-formed registration; null when its case does not resolve (registrationFailures says why). */
async function settleRegistration(
  db: Db,
  accountId: string,
  registration: CheckedRegistration,
  idempotencyKey: string | null,
  now: Date,
): Promise<RegisterResult | null> {
  // The payment the last attempt stored and its case after it: after a lost COMMIT the id tells whether it was.
  let id = '';
  let caseAfter: Case | null = null;
  let fingerprint = '';
  try {
    const payment = await runTransaction(
      db,
      async (tx) => {
        // Finding the case is its version bump, the first write: it takes the case's row lock
        // (Postgres) or the write lock (SQLite) before the balance is read, so concurrent payments
        // on one case are applied one after another and never both spend the same remaining amount.
        const [current] = await tx.case.updateManyAndReturn({ where: namedCase(accountId, registration), data: { version: { increment: 1 } } });
        if (!current || caseFailures(registration, current, current.creditorId === registration.creditorId).length > 0) throw new CaseRefused();
        fingerprint = registrationFingerprint(registration, current.id);
        const { record, caseAfter: balance } = newPayment(accountId, registration, current, idempotencyKey, fingerprint, now);
        id = record.id;
        caseAfter = balance ? await tx.case.update({ where: { id: current.id }, data: balance }) : current;
        return tx.payment.create({ data: record });
      },
      TRANSACTION_OPTIONS,
    );
    paymentRegistered(db, payment);
    return { ok: true, payment, case: caseAfter as unknown as Case, replayed: false };
  } catch (error) {
    if (error instanceof CaseRefused) return null;
    if (error instanceof CommitOutcomeUnknown) {
      // Found on another connection, it committed; not found, it may still (a network cut leaves
      // the server finishing it), so the client is told the outcome is unknown.
      const stored = await db.payment.findUnique({ where: { id } }).catch(() => null);
      if (stored && caseAfter) {
        paymentRegistered(db, stored);
        return { ok: true, payment: stored, case: caseAfter, replayed: false };
      }
      const identifiedBy = registration.creditorPaymentReference !== null ? 'creditorPaymentReference' : idempotencyKey !== null ? 'idempotencyKey' : null;
      throw new OutcomeUnknownError(identifiedBy, { cause: error });
    }
    // The reference (or key) is taken: a retry of a stored registration is answered as a replay,
    // other content as a conflict. Its transaction rolled back, so nothing of this one is stored.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002' && fingerprint !== '') {
      const earlier = await findEarlier(db, accountId, registration.creditorId, registration.creditorPaymentReference, idempotencyKey);
      if (earlier) return earlierResult(earlier, fingerprint, registration.creditorPaymentReference !== null ? 'creditorPaymentReference' : 'idempotencyKey');
    }
    throw error;
  }
}

/** A new payment of a well-formed registration on its (locked) case, and the case's balance after it when it changed. */
export function newPayment(
  accountId: string,
  registration: CheckedRegistration,
  theCase: Case,
  idempotencyKey: string | null,
  fingerprint: string,
  now: Date,
  /** A file import's payments name their report; a bulk plan may choose the id ahead. */
  extra: { id?: string; fileImportReportId?: string | null } = {},
): { record: Prisma.PaymentCreateManyInput & { id: string }; caseAfter: Prisma.CaseUpdateInput | null } {
  const settlement = settle(
    {
      state: caseStateOf(theCase),
      remainingCosts: theCase.remainingCosts,
      remainingInterest: theCase.remainingInterest,
      remainingCapital: theCase.remainingCapital,
    },
    registration.amount,
  );
  const settled = settlement.settledCosts + settlement.settledInterest + settlement.settledCapital;
  const record = {
    id: extra.id ?? newId(),
    accountId,
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
    invoiceNumber: registration.invoiceNumber,
    idempotencyKey,
    requestHash: fingerprint,
    origin: registration.origin,
    fileImportReportId: extra.fileImportReportId ?? null,
    createdAt: now,
    updatedAt: now,
  };
  // A case that is not open takes nothing and is not written beyond its version.
  return { record: { ...record, etag: etagOf(record) }, caseAfter: theCase.state === CASE_STATE.OPEN ? settlement.caseAfter : null };
}

/**
 * Every failure of a registration, together: the fields' own, the case's (looked up only with
 * values that passed their checks, so a refused field never gets a second message), and a
 * reference or key already used, beside the rest. A registration that failed a check cannot be
 * a retry of a stored one (that one passed them all), so any earlier use is a conflict.
 */
async function registrationFailures(
  db: Db,
  accountId: string,
  parsed: ParsedRegistration,
  errors: FieldError[],
  idempotencyKey: string | null,
): Promise<FieldError[]> {
  const creditorId = parsed.creditorId;
  if (!creditorId) {
    const used = idempotencyKey !== null ? await findEarlier(db, accountId, null, null, idempotencyKey) : null;
    return used ? [...errors, conflictError('idempotencyKey', used)] : errors;
  }
  const caseId = parsed.caseId ?? null;
  const invoiceNumber = parsed.invoiceNumber ?? null;
  const theCase = caseId
    ? await db.case.findFirst({ where: { id: caseId, accountId } })
    : invoiceNumber
      ? await db.case.findFirst({ where: { creditorId, invoiceNumber, accountId } })
      : null;
  // A case of this creditor in this account proves the creditor is there; only otherwise is it
  // looked up, to tell an unknown creditor from an unknown case.
  const creditorKnown =
    theCase?.creditorId === creditorId || (await db.creditor.findFirst({ where: { id: creditorId, accountId }, select: { id: true } })) !== null;
  const all = [...errors, ...caseFailures(parsed, theCase, creditorKnown)];
  // Another account's creditor is "not found": its references are not looked at.
  const reference = creditorKnown ? (parsed.creditorPaymentReference ?? null) : null;
  if (reference !== null || idempotencyKey !== null) {
    const used = await findEarlier(db, accountId, creditorId, reference, idempotencyKey);
    if (used) all.push(conflictError(reference !== null ? 'creditorPaymentReference' : 'idempotencyKey', used));
  }
  return all;
}

/**
 * Why the case a registration names cannot take it: an unknown (or other account's) creditor or
 * case, a case of another creditor, a currency or account that differs from the case's.
 */
export function caseFailures(parsed: ParsedRegistration, theCase: Case | null, creditorKnown: boolean): FieldError[] {
  const creditorId = parsed.creditorId ?? '';
  const caseId = parsed.caseId ?? null;
  const invoiceNumber = parsed.invoiceNumber ?? null;
  if (!creditorKnown) return [{ field: 'creditor', code: 'NOT_FOUND', message: message`${named('creditor')} ${creditorId} not found` }];
  if (caseId && (!theCase || theCase.creditorId !== creditorId)) {
    const text = theCase
      ? message`${named('case')} ${caseId} does not belong to ${named('creditor')} ${creditorId}`
      : message`${named('case')} ${caseId} not found`;
    return [{ field: 'case', code: theCase ? 'INVALID' : 'NOT_FOUND', message: text }];
  }
  if (!caseId && invoiceNumber && !theCase) {
    return [{ field: 'invoiceNumber', code: 'NOT_FOUND', message: message`no case of ${named('creditor')} ${creditorId} has invoice number ${invoiceNumber}` }];
  }
  const errors: FieldError[] = [];
  if (theCase && parsed.currency !== undefined && parsed.currency !== theCase.currency) {
    errors.push({
      field: 'currency',
      code: 'INVALID',
      message: message`${named('currency')} ${parsed.currency} differs from the case's currency ${theCase.currency}`,
    });
  }
  if (theCase && parsed.account != null && parsed.account !== theCase.accountId) {
    errors.push({ field: 'account', code: 'READ_ONLY', message: message`${named('account')} is read-only: when sent it must be the case's account` });
  }
  return errors;
}

/** The payment stored earlier under this reference (of this creditor) or, without one, this key; with its case. */
export function findEarlier(
  db: Db,
  accountId: string,
  creditorId: string | null,
  reference: string | null,
  idempotencyKey: string | null,
): Promise<(Payment & { case: Case }) | null> {
  if (reference !== null && creditorId !== null) {
    return db.payment.findFirst({ where: { creditorId, creditorPaymentReference: reference, accountId }, include: { case: true } });
  }
  if (idempotencyKey !== null) {
    return db.payment.findUnique({ where: { accountId_idempotencyKey: { accountId, idempotencyKey } }, include: { case: true } });
  }
  return Promise.resolve(null);
}

/** A stored registration sent again: the same content is a replay; other content a conflict. */
export function earlierResult(earlier: Payment & { case: Case }, fingerprint: string, field: 'creditorPaymentReference' | 'idempotencyKey'): RegisterResult {
  // The same content names the same case (the fingerprint holds its id).
  if (earlier.requestHash === fingerprint) {
    const { case: theCase, ...payment } = earlier;
    return { ok: true, payment, case: theCase, replayed: true };
  }
  return { ok: false, errors: [conflictError(field, earlier)] };
}

export function conflictError(field: string, earlier: { id: string }): FieldError {
  return { field, code: 'CONFLICT', message: message`${named(field)} was already used for payment ${earlier.id} with different content` };
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

/** The list's filter as the typed statement takes it; null when it can match nothing (text no row can hold). */
function paymentRowFilter(f: PaymentFilter): RowCondition<'Payment'>[] | null {
  if ([f.creditorId, f.caseId, f.creditorPaymentReference].some((v) => v && !isStorableText(v))) return null;
  return [
    ['creditorId', '=', f.creditorId],
    ['caseId', '=', f.caseId],
    ['status', '=', f.status],
    ['creditorPaymentReference', '=', f.creditorPaymentReference],
    ['bankTransactionDate', '>=', f.bankTransactionDateFrom],
    ['bankTransactionDate', '<=', f.bankTransactionDateTo],
  ];
}

export function findPayment(db: Db, accountId: string, id: string): Promise<Payment | null> {
  return db.payment.findFirst({ where: { id, accountId } });
}

/** Payments of the account by id, in one query whatever the number. */
export function findPayments(db: Db, accountId: string, ids: readonly string[]): Promise<Payment[]> {
  return ids.length === 0 ? Promise.resolve([]) : db.payment.findMany({ where: { id: { in: [...ids] }, accountId } });
}

/**
 * The lists of the account's payments (see tableLists): GraphQL's connection, the pages of many cases at
 * once with each one's count, and REST's numbered list.
 */
const PAYMENT_LISTS = tableLists({ table: 'Payment', parentColumn: 'caseId', conditions: paymentRowFilter, model: (db) => db.payment, where: paymentWhereOf });
export const { list: listPayments, listOfParents: listPaymentsOfCases, countOfParents: countPaymentsOfCases, listByPage: listPaymentsByPage } = PAYMENT_LISTS;
