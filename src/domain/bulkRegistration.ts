import { type RawBuilder, sql as raw } from 'kysely';
import type { Case, Db, Payment } from '../db/client.ts';
import { Prisma } from '../db/client.ts';
import { CommitOutcomeUnknown, runTransaction } from '../db/transaction.ts';
import { isOneOf, onSqlite, runTyped, typedSql } from '../db/typedSql.ts';
import { type FieldError, InvalidArgumentError, message, named, OutcomeUnknownError } from './errors.ts';
import { paymentsRegistered } from './events.ts';
import { newId } from './ids.ts';
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
    const planned = await planRegistrations(db, accountId, registrations, now);
    if (planned.failures > 0) return { ok: false, items: planned.items, failures: planned.failures };
    try {
      return await storeBulk(db, accountId, planned.steps as Step[], now);
    } catch (error) {
      // A concurrent registration stored one of these references after the plan looked: plan again, it is now a replay or a conflict.
      if (isUniqueViolation(error) && plan < MAX_PLANS) continue;
      throw error;
    }
  }
}

export type Step =
  /** A new payment on its case, under the id chosen for it when planned. */
  | NewStep
  /** A registration stored before this bulk. */
  | { kind: 'stored'; payment: Payment; case: Case }
  /** The same registration as an earlier one of this bulk. */
  | { kind: 'again'; of: number };

export interface NewStep {
  kind: 'new';
  id: string;
  registration: CheckedRegistration;
  caseId: string;
  idempotencyKey: string | null;
  fingerprint: string;
}

/** Each registration's step (null: it failed) and its own failures (empty: none). */
export interface RegistrationPlan {
  steps: Array<Step | null>;
  items: FieldError[][];
  failures: number;
}

export interface PlanOptions {
  /**
   * How a registration that reuses the reference (or key) of an earlier one of the same list with
   * other content is told: by the earlier one's place in the request (a bulk, where nothing is
   * stored), or by the payment it is stored as (a file import, whose good lines are stored).
   */
  earlierNamed?: 'position' | 'payment';
}

interface Checked {
  registration: CheckedRegistration | null;
  parsed: ParsedRegistration;
  errors: FieldError[];
  idempotencyKey: string | null;
}

/**
 * Checks every registration and resolves what it names, with a few statements for the whole list:
 * each gets its failures and, when it has none, its step. A bulk stores only a plan without
 * failures; a file import stores the steps of the good lines and reports the others.
 */
export async function planRegistrations(
  db: Db,
  accountId: string,
  registrations: readonly BulkRegistration[],
  now: Date,
  options: PlanOptions = {},
): Promise<RegistrationPlan> {
  const checked: Checked[] = registrations.map(({ input, idempotencyKey }) => {
    const { registration, parsed, errors } = checkRegistration(input, now);
    const keyError = checkIdempotencyKey(idempotencyKey);
    if (keyError) errors.push(keyError);
    return { registration, parsed, errors, idempotencyKey: keyError ? null : identifyingKey(input, idempotencyKey) };
  });
  const distinct = (values: Array<string | null | undefined>) => [...new Set(values.filter((v): v is string => typeof v === 'string'))];
  const creditorIds = distinct(checked.map((c) => c.parsed.creditorId));
  const caseIds = distinct(checked.map((c) => c.parsed.caseId));
  const invoices = [
    ...new Map(
      checked.flatMap(({ parsed }) =>
        parsed.creditorId && !parsed.caseId && parsed.invoiceNumber
          ? [[`${parsed.creditorId}\n${parsed.invoiceNumber}`, { creditorId: parsed.creditorId, invoiceNumber: parsed.invoiceNumber }] as const]
          : [],
      ),
    ).values(),
  ];
  const references = distinct(checked.map((c) => c.parsed.creditorPaymentReference));
  const keys = distinct(checked.map((c) => c.idempotencyKey));
  const sql = typedSql(db);
  // Everything within the account: another account's creditor, case or payment is not found.
  const [creditors, casesById, casesByInvoice, byKey] = await Promise.all([
    // Typed reads: a file import's batch names hundreds of cases, each decoded by Prisma's client otherwise.
    creditorIds.length
      ? runTyped(
          db,
          sql
            .selectFrom('Creditor')
            .select('id')
            .where('accountId', '=', accountId)
            .where((eb) => isOneOf(db, eb, 'id', creditorIds)),
        )
      : [],
    caseIds.length
      ? runTyped(
          db,
          sql
            .selectFrom('Case')
            .selectAll()
            .where('accountId', '=', accountId)
            .where((eb) => isOneOf(db, eb, 'id', caseIds)),
        )
      : [],
    // Two parameters per invoice: in pieces that stay under SQLite's limit on a statement's parameters (999).
    Promise.all(chunksOf(invoices, INVOICES_PER_LOOKUP).map((some) => db.case.findMany({ where: { accountId, OR: some } }))).then((found) => found.flat()),
    keys.length ? db.payment.findMany({ where: { accountId, idempotencyKey: { in: keys } }, include: { case: true } }) : [],
  ]);
  // Earlier payments under the references, of the account's creditors (found above): by creditor
  // and reference alone, so the lookup is the unique index's. With the account's id beside them
  // SQLite (without statistics) walks every payment of the account instead, once per batch.
  const accountCreditors = creditors.map((c) => c.id);
  const byReference =
    references.length && accountCreditors.length
      ? (
          await db.payment.findMany({ where: { creditorId: { in: accountCreditors }, creditorPaymentReference: { in: references } }, include: { case: true } })
        ).filter((p) => p.accountId === accountId)
      : [];
  const knownCreditors = new Set(creditors.map((c) => c.id));
  const caseById = new Map(casesById.map((c) => [c.id, c]));
  const caseByInvoice = new Map(casesByInvoice.map((c) => [`${c.creditorId}\n${c.invoiceNumber}`, c]));
  const storedByReference = new Map(byReference.map((p) => [`${p.creditorId}\n${p.creditorPaymentReference}`, p]));
  const storedByKey = new Map(byKey.map((p) => [p.idempotencyKey ?? '', p]));

  // The first registration of this bulk under each reference or key, and its fingerprint.
  const firstOf = new Map<string, { index: number; id: string; fingerprint: string }>();
  const steps: Array<Step | null> = [];
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
      if (fingerprint === null || first.fingerprint !== fingerprint) {
        failures.push(options.earlierNamed === 'payment' ? conflictError(field, first) : sentBeforeError(field, first.index));
      }
    }
    items.push(failures);
    if (failures.length > 0 || !registration || !theCase || fingerprint === null) {
      steps.push(null);
      return;
    }
    if (stored) {
      const { case: storedCase, ...payment } = stored;
      steps.push({ kind: 'stored', payment, case: storedCase });
    } else if (first) {
      steps.push({ kind: 'again', of: first.index });
    } else {
      const id = newId();
      if (identity !== null) firstOf.set(identity, { index, id, fingerprint });
      steps.push({ kind: 'new', id, registration, caseId: theCase.id, idempotencyKey: reference === null ? idempotencyKey : null, fingerprint });
    }
  });
  return { steps, items, failures: items.filter((f) => f.length > 0).length };
}

function sentBeforeError(field: string, index: number): FieldError {
  return {
    field,
    code: 'CONFLICT',
    message: message`${named(field)} was already used by payment ${index + 1} of this request with different content`,
  };
}

/**
 * Stores the new payments of a plan inside the caller's transaction, in order, with a fixed
 * number of statements whatever their count: the cases they pay are locked and read in one
 * statement (in id order, so two writers never wait on each other crosswise), settled here one
 * payment after the other, written back in one UPDATE (each case's balance and version bump), and
 * the payments inserted in one INSERT.
 */
export async function storeNewPayments(
  tx: Prisma.TransactionClient,
  accountId: string,
  fresh: readonly NewStep[],
  now: Date,
  fileImportReportId: string | null = null,
): Promise<{ payments: Payment[]; cases: Map<string, Case> }> {
  const cases = new Map<string, Case>();
  if (fresh.length === 0) return { payments: [], cases };
  const caseIds = [...new Set(fresh.map((s) => s.caseId))].sort();
  const sql = typedSql(tx as unknown as Db);
  const onPostgres = !onSqlite(tx);
  // Read and, on PostgreSQL, locked in one statement: the lock an UPDATE takes (a registration's
  // version bump), taken in id order. SQLite's transaction holds the whole database.
  const read = sql.selectFrom('Case').selectAll().where('id', 'in', caseIds).orderBy('id');
  for (const c of await runTyped(tx as unknown as Db, onPostgres ? read.forNoKeyUpdate() : read)) cases.set(c.id, c);
  const data = fresh.map((step) => {
    const theCase = cases.get(step.caseId)!;
    const { record, caseAfter } = newPayment(accountId, step.registration, theCase, step.idempotencyKey, step.fingerprint, now, {
      id: step.id,
      fileImportReportId,
    });
    // The next payment on this case settles against what this one left.
    if (caseAfter) cases.set(step.caseId, { ...theCase, ...(caseAfter as Partial<Case>) });
    return record;
  });
  for (const [id, c] of cases) cases.set(id, { ...c, version: c.version + 1, updatedAt: now });
  await writeCases(tx, sql, [...cases.values()], now);
  // The rows are what newPayment made (every column set): inserted as they are, not read back.
  const payments = data as Payment[];
  for (let start = 0; start < payments.length; start += INSERT_ROWS) {
    const rows = payments.slice(start, start + INSERT_ROWS);
    const insert = onPostgres ? unnestInsert(rows) : sql.insertInto('Payment').values(rows).compile();
    await tx.$executeRawUnsafe(insert.sql, ...insert.parameters);
  }
  return { payments, cases };
}

/** The Payment columns by their PostgreSQL type (prisma/schema.prisma), for the one-array-per-column INSERT. */
const PAYMENT_COLUMNS = {
  id: 'text',
  accountId: 'text',
  creditorId: 'text',
  caseId: 'text',
  currency: 'text',
  amount: 'bigint',
  settledCosts: 'bigint',
  settledInterest: 'bigint',
  settledCapital: 'bigint',
  status: 'text',
  statusReasonLocale: 'text',
  bankTransactionDate: 'timestamp(3)',
  clientRegistrationDate: 'timestamp(3)',
  bookingDate: 'timestamp(3)',
  creditorPaymentReference: 'text',
  invoiceNumber: 'text',
  idempotencyKey: 'text',
  requestHash: 'text',
  origin: 'text',
  fileImportReportId: 'text',
  etag: 'text',
  createdAt: 'timestamp(3)',
  updatedAt: 'timestamp(3)',
} as const satisfies Record<keyof Payment, string>;

/**
 * On PostgreSQL the rows go as one text array per column, unnested: 23 parameters whatever the
 * number of rows, where a VALUES list has one per value for the server to parse and bind.
 * Timestamps are sent in UTC as Prisma stores them (the columns are without time zone).
 */
function unnestInsert(rows: readonly Payment[]): { sql: string; parameters: unknown[] } {
  const columns = Object.entries(PAYMENT_COLUMNS) as Array<[keyof Payment, string]>;
  const text = (value: unknown) => (value === null ? null : value instanceof Date ? value.toISOString() : String(value));
  const parameters = columns.map(([column]) => rows.map((row) => text(row[column])));
  const names = columns.map(([column]) => `"${column}"`).join(', ');
  const casts = columns.map(([column, type]) => `"${column}"::${type}`).join(', ');
  const arrays = columns.map((_, i) => `$${i + 1}::text[]`).join(', ');
  return {
    sql: `INSERT INTO "Payment" (${names}) SELECT ${casts} FROM unnest(${arrays}) AS t(${names})`,
    parameters,
  };
}

/** Rows per INSERT: 26 columns each stays under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const INSERT_ROWS = 1000;

/**
 * Every case's balance, state and version bump in one UPDATE, joined to the new balances: on
 * PostgreSQL one array per column, unnested (five parameters and one statement text whatever the
 * number of cases); on SQLite a VALUES list (which names its columns column1, column2, ...).
 */
async function writeCases(tx: Prisma.TransactionClient, sql: ReturnType<typeof typedSql>, cases: readonly Case[], now: Date): Promise<void> {
  let balances: RawBuilder<unknown>;
  if (onSqlite(tx)) {
    const bigint = (value: bigint) => raw`CAST(${value} AS BIGINT)`;
    const rows = cases.map((c) => raw`(${c.id}, ${bigint(c.remainingCosts)}, ${bigint(c.remainingInterest)}, ${bigint(c.remainingCapital)}, ${c.state})`);
    balances = raw`(SELECT column1 AS id, column2 AS costs, column3 AS interest, column4 AS capital, column5 AS state FROM (VALUES ${raw.join(rows)}) AS t) AS v`;
  } else {
    const column = (of: (c: Case) => string | bigint) => cases.map((c) => String(of(c)));
    balances = raw`unnest(${column((c) => c.id)}::text[], ${column((c) => c.remainingCosts)}::bigint[], ${column((c) => c.remainingInterest)}::bigint[],
      ${column((c) => c.remainingCapital)}::bigint[], ${column((c) => c.state)}::text[]) AS v(id, costs, interest, capital, state)`;
  }
  const update = raw`UPDATE "Case" SET "remainingCosts" = v.costs, "remainingInterest" = v.interest, "remainingCapital" = v.capital,
    "state" = v.state, "version" = "version" + 1, "updatedAt" = ${now} FROM ${balances} WHERE "Case"."id" = v.id`.compile(sql);
  await tx.$executeRawUnsafe(update.sql, ...update.parameters);
}

/**
 * A unique index refused a write: P2002 from Prisma's model queries, P2010 with the driver
 * adapter's UniqueConstraintViolation from a statement of ours (the payments' INSERT).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const adapterError = (error.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined)?.driverAdapterError;
  return error.code === 'P2010' && adapterError?.cause?.kind === 'UniqueConstraintViolation';
}

export const newSteps = (steps: ReadonlyArray<Step | null>) => steps.filter((s): s is NewStep => s?.kind === 'new');

/** Stores the new payments of a checked bulk in one transaction, in order. */
async function storeBulk(db: Db, accountId: string, steps: Step[], now: Date): Promise<BulkResult> {
  const fresh = newSteps(steps);
  let cases = new Map<string, Case>();
  let created: Payment[] = [];
  try {
    if (fresh.length > 0) {
      created = await runTransaction(
        db,
        async (tx) => {
          const stored = await storeNewPayments(tx, accountId, fresh, now);
          cases = stored.cases;
          return stored.payments;
        },
        TRANSACTION_OPTIONS,
      );
    }
  } catch (error) {
    if (!(error instanceof CommitOutcomeUnknown)) throw error;
    // One transaction: all of it committed or none of it. Found on another connection, it did.
    // The ids were chosen when planned: they tell whether it was.
    const ids = fresh.map((s) => s.id);
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
  paymentsRegistered(db, created);
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

/** Invoice numbers looked up per statement: two parameters each, well under SQLite's 999. */
const INVOICES_PER_LOOKUP = 400;

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
