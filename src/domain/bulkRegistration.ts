import type { Case, Db, Payment } from '../db/client.ts';
import { Prisma } from '../db/client.ts';
import { CommitOutcomeUnknown, runTransaction } from '../db/transaction.ts';
import { type FieldError, InvalidArgumentError, message, named, OutcomeUnknownError } from './errors.ts';
import { paymentRegistered } from './events.ts';
import { caseFailures, conflictError, identifyingKey, newPayment, type RegisterResult, TRANSACTION_OPTIONS } from './payments.ts';
import { type CheckedRegistration, checkIdempotencyKey, checkRegistration, type ParsedRegistration, registrationFingerprint } from './registration.ts';
import { MAX_BULK_REGISTRATIONS } from './vocabulary.ts';

/** One registration of a bulk: its fields under the domain's names, and its own Idempotency-Key if any. */
export interface BulkRegistration {
  input: Record<string, unknown>;
  idempotencyKey?: string | null;
}

export type StoredRegistration = Extract<RegisterResult, { ok: true }>;

export type BulkResult =
  /** Every registration stored (or a replay), in the order sent. */
  | { ok: true; items: StoredRegistration[] }
  /** Nothing stored: each registration's own failures (an empty list: it would have been stored). */
  | { ok: false; items: FieldError[][]; failures: number };

/** How often a bulk is planned again when a concurrent registration took one of its references meanwhile. */
const MAX_PLANS = 3;

/**
 * Registers many payments at once, all or nothing: each is checked as registerPayment checks
 * one, every failure of every registration is reported, and only when none fails are they all
 * stored, in one transaction, settled in the order given (a later one sees the balance the
 * earlier ones left). A reference (or key) sent twice in one bulk is a replay of the first when
 * the content is the same and a conflict otherwise, as across requests.
 *
 * Cost: a handful of lookups for the whole bulk, then per distinct case one UPDATE that locks it
 * (in id order, so two bulks never wait on each other crosswise) and one that writes its balance,
 * and one INSERT for all the payments.
 */
export async function registerPayments(db: Db, accountId: string, registrations: readonly BulkRegistration[]): Promise<BulkResult> {
  if (registrations.length > MAX_BULK_REGISTRATIONS) {
    throw new InvalidArgumentError('payments', `at most ${MAX_BULK_REGISTRATIONS} payments are registered at once; ${registrations.length} were sent`);
  }
  for (let plan = 1; ; plan += 1) {
    const now = new Date();
    const planned = await planBulk(db, accountId, registrations, now);
    if (!planned.ok) return planned;
    try {
      return await storeBulk(db, accountId, planned.steps, now);
    } catch (error) {
      // A concurrent registration stored one of these references after the plan looked: plan again, it is now a replay or a conflict.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002' && plan < MAX_PLANS) continue;
      throw error;
    }
  }
}

type Step =
  /** A new payment on its case. */
  | { kind: 'new'; registration: CheckedRegistration; caseId: string; idempotencyKey: string | null; fingerprint: string }
  /** A registration stored before this bulk. */
  | { kind: 'stored'; payment: Payment; case: Case }
  /** The same registration as an earlier one of this bulk. */
  | { kind: 'again'; of: number };

interface Checked {
  registration: CheckedRegistration | null;
  parsed: ParsedRegistration;
  errors: FieldError[];
  idempotencyKey: string | null;
}

/** Checks every registration and resolves what it names, with a few statements for the whole bulk. */
async function planBulk(
  db: Db,
  accountId: string,
  registrations: readonly BulkRegistration[],
  now: Date,
): Promise<{ ok: true; steps: Step[] } | { ok: false; items: FieldError[][]; failures: number }> {
  const checked: Checked[] = registrations.map(({ input, idempotencyKey }) => {
    const { registration, parsed, errors } = checkRegistration(input, now);
    const keyError = checkIdempotencyKey(idempotencyKey);
    if (keyError) errors.push(keyError);
    return { registration, parsed, errors, idempotencyKey: keyError ? null : identifyingKey(input, idempotencyKey) };
  });
  const distinct = (values: Array<string | null | undefined>) => [...new Set(values.filter((v): v is string => typeof v === 'string'))];
  const creditorIds = distinct(checked.map((c) => c.parsed.creditorId));
  const caseIds = distinct(checked.map((c) => c.parsed.caseId));
  const invoices = checked.flatMap(({ parsed }) =>
    parsed.creditorId && !parsed.caseId && parsed.invoiceNumber ? [{ creditorId: parsed.creditorId, invoiceNumber: parsed.invoiceNumber }] : [],
  );
  const references = distinct(checked.map((c) => c.parsed.creditorPaymentReference));
  const keys = distinct(checked.map((c) => c.idempotencyKey));
  // Everything within the account: another account's creditor, case or payment is not found.
  const [creditors, casesById, casesByInvoice, byReference, byKey] = await Promise.all([
    creditorIds.length ? db.creditor.findMany({ where: { accountId, id: { in: creditorIds } }, select: { id: true } }) : [],
    caseIds.length ? db.case.findMany({ where: { accountId, id: { in: caseIds } } }) : [],
    invoices.length ? db.case.findMany({ where: { accountId, OR: invoices } }) : [],
    references.length
      ? db.payment.findMany({ where: { accountId, creditorId: { in: creditorIds }, creditorPaymentReference: { in: references } }, include: { case: true } })
      : [],
    keys.length ? db.payment.findMany({ where: { accountId, idempotencyKey: { in: keys } }, include: { case: true } }) : [],
  ]);
  const knownCreditors = new Set(creditors.map((c) => c.id));
  const caseById = new Map(casesById.map((c) => [c.id, c]));
  const caseByInvoice = new Map(casesByInvoice.map((c) => [`${c.creditorId}\n${c.invoiceNumber}`, c]));
  const storedByReference = new Map(byReference.map((p) => [`${p.creditorId}\n${p.creditorPaymentReference}`, p]));
  const storedByKey = new Map(byKey.map((p) => [p.idempotencyKey ?? '', p]));

  // The first registration of this bulk under each reference or key, and its fingerprint.
  const firstOf = new Map<string, { index: number; fingerprint: string }>();
  const steps: Step[] = [];
  const items: FieldError[][] = [];
  checked.forEach(({ registration, parsed, errors, idempotencyKey }, index) => {
    const failures = [...errors];
    const creditorId = parsed.creditorId;
    let theCase: Case | null = null;
    let creditorKnown = false;
    if (creditorId) {
      theCase =
        (parsed.caseId ? caseById.get(parsed.caseId) : parsed.invoiceNumber ? caseByInvoice.get(`${creditorId}\n${parsed.invoiceNumber}`) : null) ?? null;
      creditorKnown = knownCreditors.has(creditorId);
      failures.push(...caseFailures(parsed, theCase, creditorKnown));
    }
    // What identifies it: its reference (of a creditor of this account), or without one its key.
    const reference = creditorKnown ? (parsed.creditorPaymentReference ?? null) : null;
    const field = reference !== null ? 'creditorPaymentReference' : 'idempotencyKey';
    const identity = reference !== null ? `r\n${creditorId}\n${reference}` : idempotencyKey !== null ? `k\n${idempotencyKey}` : null;
    const stored =
      reference !== null ? storedByReference.get(`${creditorId}\n${reference}`) : idempotencyKey !== null ? storedByKey.get(idempotencyKey) : undefined;
    const fingerprint = registration && theCase && failures.length === 0 ? registrationFingerprint(registration, theCase.id) : null;
    const first = identity !== null ? firstOf.get(identity) : undefined;
    if (stored) {
      if (fingerprint === null || stored.requestHash !== fingerprint) failures.push(conflictError(field, stored));
    } else if (first) {
      if (fingerprint === null || first.fingerprint !== fingerprint) failures.push(sentBeforeError(field, first.index));
    }
    items.push(failures);
    if (failures.length > 0 || !registration || !theCase || fingerprint === null) return;
    if (stored) {
      const { case: storedCase, ...payment } = stored;
      steps.push({ kind: 'stored', payment, case: storedCase });
    } else if (first) {
      steps.push({ kind: 'again', of: first.index });
    } else {
      if (identity !== null) firstOf.set(identity, { index, fingerprint });
      steps.push({ kind: 'new', registration, caseId: theCase.id, idempotencyKey: reference === null ? idempotencyKey : null, fingerprint });
    }
  });
  const failures = items.filter((f) => f.length > 0).length;
  return failures > 0 ? { ok: false, items, failures } : { ok: true, steps };
}

function sentBeforeError(field: string, index: number): FieldError {
  return {
    field,
    code: 'CONFLICT',
    message: message`${named(field)} was already used by payment ${index + 1} of this request with different content`,
  };
}

/** Stores the new payments of a checked bulk in one transaction, in order. */
async function storeBulk(db: Db, accountId: string, steps: Step[], now: Date): Promise<BulkResult> {
  const fresh = steps.filter((s): s is Extract<Step, { kind: 'new' }> => s.kind === 'new');
  // What the last attempt stored, and its cases after it: after a lost COMMIT the ids tell whether it was.
  let records: Array<{ id: string }> = [];
  let cases = new Map<string, Case>();
  let created: Payment[] = [];
  try {
    if (fresh.length > 0) {
      created = await runTransaction(
        db,
        async (tx) => {
          cases = new Map();
          // Each case's version bump takes its lock before its balance is read, as for one payment.
          for (const caseId of [...new Set(fresh.map((s) => s.caseId))].sort()) {
            cases.set(caseId, await tx.case.update({ where: { id: caseId }, data: { version: { increment: 1 } } }));
          }
          const balances = new Map<string, Prisma.CaseUpdateInput>();
          const data = fresh.map((step) => {
            const theCase = cases.get(step.caseId)!;
            const { record, caseAfter } = newPayment(accountId, step.registration, theCase, step.idempotencyKey, step.fingerprint, now);
            if (caseAfter) {
              // The next payment on this case settles against what this one left.
              cases.set(step.caseId, { ...theCase, ...(caseAfter as Partial<Case>) });
              balances.set(step.caseId, caseAfter);
            }
            return record;
          });
          records = data;
          for (const [caseId, balance] of balances) cases.set(caseId, await tx.case.update({ where: { id: caseId }, data: balance }));
          const payments = new Map((await tx.payment.createManyAndReturn({ data })).map((p) => [p.id, p]));
          return data.map((r) => payments.get(r.id)!);
        },
        TRANSACTION_OPTIONS,
      );
    }
  } catch (error) {
    if (!(error instanceof CommitOutcomeUnknown)) throw error;
    // One transaction: all of it committed or none of it. Found on another connection, it did.
    const ids = records.map((r) => r.id);
    const stored = await db.payment.findMany({ where: { id: { in: ids } } }).catch(() => []);
    if (stored.length !== ids.length) {
      const identified = (s: (typeof fresh)[number]) => s.registration.creditorPaymentReference !== null || s.idempotencyKey !== null;
      throw new OutcomeUnknownError(
        fresh.every((s) => s.registration.creditorPaymentReference !== null) ? 'creditorPaymentReference' : fresh.every(identified) ? 'idempotencyKey' : null,
        { cause: error },
      );
    }
    const byId = new Map(stored.map((p) => [p.id, p]));
    created = ids.map((id) => byId.get(id)!);
  }
  for (const payment of created) paymentRegistered(db, payment);
  const items: StoredRegistration[] = [];
  let next = 0;
  for (const step of steps) {
    if (step.kind === 'new') {
      const payment = created[next++]!;
      items.push({ ok: true, payment, case: cases.get(payment.caseId)!, replayed: false });
    } else if (step.kind === 'stored') {
      items.push({ ok: true, payment: step.payment, case: step.case, replayed: true });
    } else {
      const first = items[step.of]!;
      items.push({ ok: true, payment: first.payment, case: first.case, replayed: true });
    }
  }
  return { ok: true, items };
}
