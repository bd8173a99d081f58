/**
 * The domain's vocabulary, each value list and limit written once. The GraphQL enums, the REST
 * `where` checks, the OpenAPI document, the error messages and every description derive from
 * here, so adding a value or raising a limit is one line in this file.
 *
 * The database stores these as text (an enum would need a migration on both providers);
 * rows are read back through the `...Of` functions below, never through casts.
 */

/** Each value of a list under its own name: CASE_STATE.OPEN === 'OPEN'. */
function named<const T extends string>(values: readonly T[]): { readonly [K in T]: K } {
  return Object.freeze(Object.fromEntries(values.map((value) => [value, value]))) as { readonly [K in T]: K };
}

/** How a payment was applied to its case (see settlement.ts). */
export const PAYMENT_STATUSES = ['completed', 'warning', 'error'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const PAYMENT_STATUS = named(PAYMENT_STATUSES);

/** Why a payment's status is not `completed`: a locale key the creditor's system translates. */
export const STATUS_REASON = {
  overpayment: 'creditor_payment.status_reason.overpayment',
  caseAlreadyPaid: 'creditor_payment.status_reason.case_already_paid',
  caseClosed: 'creditor_payment.status_reason.case_closed',
} as const;
export type StatusReason = (typeof STATUS_REASON)[keyof typeof STATUS_REASON];
export const STATUS_REASONS: readonly StatusReason[] = Object.values(STATUS_REASON);

export const CASE_STATES = ['OPEN', 'PAID', 'CLOSED'] as const;
export type CaseState = (typeof CASE_STATES)[number];
export const CASE_STATE = named(CASE_STATES);

export const CURRENCIES = ['SEK'] as const;
export type Currency = (typeof CURRENCIES)[number];
export const CURRENCY = named(CURRENCIES);

/** Where a registration comes from; clients may only send the first (a file import sets its own). */
const ORIGINS = ['creditor_system'] as const;
export const CREDITOR_SYSTEM_ORIGIN = ORIGINS[0];

// --- limits ---

/** The largest payment, in öre (1,000,000,000.00 SEK). */
export const MAX_PAYMENT = 100_000_000_000n;
export const MAX_REFERENCE_LENGTH = 100;
export const MAX_INVOICE_NUMBER_LENGTH = 100;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Most registrations one bulk insert (REST's JSON array) settles in one transaction. */
export const MAX_BULK_REGISTRATIONS = 1_000;
/** Page size of a list when the client gives none (GraphQL `first`, REST `max_results`). */
export const DEFAULT_PAGE_SIZE = 25;
/** Largest page: GraphQL refuses more, REST takes more as this (Eve's behaviour). */
export const MAX_PAGE_SIZE = 100;
/** Ids in one GraphQL `nodes(ids:)` lookup: as many as a page holds. */
export const MAX_NODE_IDS = MAX_PAGE_SIZE;

// --- reading stored values ---

const isOneOf =
  <T extends string>(values: readonly T[]) =>
  (value: string): value is T =>
    (values as readonly string[]).includes(value);

export const isPaymentStatus = isOneOf(PAYMENT_STATUSES);
export const isCaseState = isOneOf(CASE_STATES);
export const isCurrency = isOneOf(CURRENCIES);
const isStatusReason = isOneOf(STATUS_REASONS);

/** A stored value outside the vocabulary is a bug (or a migration not run), not a client's error. */
function stored<T extends string>(what: string, value: string, accepts: (value: string) => value is T): T {
  if (!accepts(value)) throw new Error(`stored ${what} ${JSON.stringify(value)} is not one of the domain's values`);
  return value;
}

export const paymentStatusOf = (row: { status: string }): PaymentStatus => stored('payment status', row.status, isPaymentStatus);
export const caseStateOf = (row: { state: string }): CaseState => stored('case state', row.state, isCaseState);
export const statusReasonOf = (row: { statusReasonLocale: string | null }): StatusReason | null =>
  row.statusReasonLocale === null ? null : stored('status reason', row.statusReasonLocale, isStatusReason);
export const currencyOf = (row: { currency: string }): Currency => stored('currency', row.currency, isCurrency);

// --- list filters (src/domain/listFilter.ts) ---

/** How deep `and`/`or` may nest in one filter: enough for any real query, and a bound on the work. */
export const MAX_FILTER_DEPTH = 4;
/** Conditions in one filter, counted over all its `and`/`or` branches. */
export const MAX_FILTER_TERMS = 50;
/** Values one `in`/`not in` list may hold. */
export const MAX_FILTER_VALUES = 100;
// --- file imports ---

/** Where a file import stands: queued on upload, running while a worker applies it, then completed or failed. */
export const FILE_IMPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type FileImportStatus = (typeof FILE_IMPORT_STATUSES)[number];
export const FILE_IMPORT_STATUS = named(FILE_IMPORT_STATUSES);
export const isFileImportStatus = isOneOf(FILE_IMPORT_STATUSES);
export const fileImportStatusOf = (row: { status: string }): FileImportStatus => stored('file import status', row.status, isFileImportStatus);

/** The largest file accepted (32 MiB: some 200,000 lines of a typical export). */
export const MAX_IMPORT_FILE_BYTES = 32 * 1024 * 1024;
/** The most data lines one file may hold (the header not counted). */
export const MAX_IMPORT_LINES = 200_000;
/** Lines applied per transaction: the report's progress moves with each batch. */
export const IMPORT_BATCH_SIZE = 200;
