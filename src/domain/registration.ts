import { createHash } from 'node:crypto';
import { parseDate } from './dates.ts';
import type { FieldError } from './errors.ts';
import { isId } from './ids.ts';
import { formatOre, parseAmount, type AmountProblem, type Ore } from './money.ts';
import { isStorableText } from './text.ts';
import {
  CREDITOR_SYSTEM_ORIGIN,
  CURRENCIES,
  isCurrency,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_INVOICE_NUMBER_LENGTH,
  MAX_PAYMENT,
  MAX_REFERENCE_LENGTH,
} from './vocabulary.ts';

/**
 * The fields of a payment registration, by their domain names. Both APIs hand the
 * client's input over under these names (REST maps its snake_case onto them) and get
 * errors back under them.
 */
export const REGISTRATION_FIELDS = [
  'account',
  'creditor',
  'case',
  'invoiceNumber',
  'currency',
  'amount',
  'bankTransactionDate',
  'clientRegistrationDate',
  'creditorPaymentReference',
  'fileImportReport',
  'origin',
] as const;
export type RegistrationField = (typeof REGISTRATION_FIELDS)[number];

/**
 * At most this many failures are reported, then one that says how many more there were: a body
 * of thousands of unknown keys gets an answer of bounded size.
 */
export const MAX_REPORTED_ERRORS = 20;
/** The field of that last error. */
export const MORE_ERRORS_FIELD = '_more';
/** An unknown key is repeated in its message up to this length. */
const MAX_ECHOED_KEY = 64;
/** Tolerated client clock skew for "not in the future". */
const CLOCK_SKEW_MS = 5 * 60_000;

/** A registration whose fields are each well-formed; the case is not resolved yet. */
export interface CheckedRegistration {
  creditorId: string;
  caseId: string | null;
  invoiceNumber: string | null;
  account: string | null;
  currency: string;
  amount: Ore;
  bankTransactionDate: Date;
  clientRegistrationDate: Date | null;
  creditorPaymentReference: string | null;
  origin: string;
}

const AMOUNT_MESSAGES: Record<AmountProblem, string> = {
  not_a_number: 'amount must be a decimal number, like 100.50',
  too_many_decimals: 'amount must have at most 2 decimals',
  not_positive: 'amount must be greater than 0',
  too_large: `amount must be at most ${formatOre(MAX_PAYMENT)}`,
};

/**
 * Checks every field on its own (no database), reporting every failure at once.
 * Returns the typed registration only when nothing failed.
 */
export function checkRegistration(
  input: Record<string, unknown>,
  now: Date,
): { registration: CheckedRegistration | null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (field: string, code: FieldError['code'], message: string) => errors.push({ field, code, message });
  // null means "not sent" for every field: JSON clients often send nulls for optionals.
  const value = (field: RegistrationField) => (input[field] === null ? undefined : input[field]);

  for (const key of Object.keys(input)) {
    if (!isRegistrationField(key)) fail(key, 'INVALID', `${shortKey(key)} is not a field of a payment`);
  }
  if (input.fileImportReport !== undefined) {
    fail('fileImportReport', 'READ_ONLY', 'fileImportReport is read-only: it is set only by a file import');
  }

  const text = (field: RegistrationField, maxLength: number, required: boolean): string | null => {
    const v = value(field);
    if (v === undefined) {
      if (required) fail(field, 'REQUIRED', `${field} is required`);
      return null;
    }
    if (typeof v !== 'string') return fail(field, 'INVALID', `${field} must be a string`), null;
    if (!isStorableText(v)) return fail(field, 'INVALID', `${field} must be valid Unicode text without NUL characters`), null;
    if (v.trim() === '') return fail(field, required ? 'REQUIRED' : 'INVALID', `${field} must not be empty`), null;
    if (v.length > maxLength) return fail(field, 'INVALID', `${field} must be at most ${maxLength} characters`), null;
    return v;
  };
  const id = (field: 'creditor' | 'case' | 'account', required: boolean): string | null => {
    const v = text(field, 64, required);
    // A malformed id names nothing that exists: same answer as an unknown one.
    if (v !== null && !isId(v)) return fail(field, 'NOT_FOUND', `${field} ${v} not found`), null;
    return v;
  };
  const date = (field: 'bankTransactionDate' | 'clientRegistrationDate', required: boolean): Date | null => {
    const v = value(field);
    if (v === undefined) {
      if (required) fail(field, 'REQUIRED', `${field} is required`);
      return null;
    }
    const parsed = parseDate(v);
    if (!parsed) {
      fail(field, 'INVALID', `${field} must be a date in RFC 1123 (Fri, 04 Jul 2025 16:20:41 GMT) or ISO 8601 format`);
    }
    return parsed;
  };

  const creditorId = id('creditor', true);
  const account = id('account', false);
  const caseSent = value('case') !== undefined;
  const invoiceSent = value('invoiceNumber') !== undefined;
  if (!caseSent && !invoiceSent) fail('case', 'REQUIRED', 'case or invoiceNumber is required');
  if (caseSent && invoiceSent) fail('invoiceNumber', 'INVALID', 'send either case or invoiceNumber, not both');
  const caseId = id('case', false);
  const invoiceNumber = text('invoiceNumber', MAX_INVOICE_NUMBER_LENGTH, false);

  const currency = text('currency', 16, true);
  if (currency !== null && !isCurrency(currency)) {
    fail('currency', 'UNSUPPORTED', `currency ${currency} is not supported; only ${CURRENCIES.join(', ')} is`);
  }

  let amount: Ore | null = null;
  const rawAmount = value('amount');
  if (rawAmount === undefined) fail('amount', 'REQUIRED', 'amount is required');
  else {
    const parsed = parseAmount(rawAmount);
    if ('problem' in parsed) fail('amount', 'INVALID', AMOUNT_MESSAGES[parsed.problem]);
    else amount = parsed.ore;
  }

  const bankTransactionDate = date('bankTransactionDate', true);
  if (bankTransactionDate && bankTransactionDate.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    fail('bankTransactionDate', 'INVALID', 'bankTransactionDate must not be in the future');
  }
  const clientRegistrationDate = date('clientRegistrationDate', false);
  const creditorPaymentReference = text('creditorPaymentReference', MAX_REFERENCE_LENGTH, false);
  const origin = text('origin', 64, true);
  if (origin !== null && origin !== CREDITOR_SYSTEM_ORIGIN) {
    fail('origin', 'INVALID', `origin must be "${CREDITOR_SYSTEM_ORIGIN}"`);
  }

  if (errors.length > 0 || creditorId === null || currency === null || amount === null || !bankTransactionDate || origin === null) {
    return { registration: null, errors: capErrors(errors) };
  }
  return {
    registration: {
      creditorId,
      caseId,
      invoiceNumber,
      account,
      currency,
      amount,
      bankTransactionDate,
      clientRegistrationDate,
      creditorPaymentReference,
      origin,
    },
    errors,
  };
}

function isRegistrationField(key: string): key is RegistrationField {
  return (REGISTRATION_FIELDS as readonly string[]).includes(key);
}

/** An unknown key as a message repeats it: cut, so a megabyte-long key is not sent back twice. */
export function shortKey(key: string): string {
  return key.length > MAX_ECHOED_KEY ? `${key.slice(0, MAX_ECHOED_KEY)}...` : key;
}

/**
 * The first MAX_REPORTED_ERRORS failures, those on the payment's own fields before unknown keys
 * (what a client most needs to fix), then one saying how many were left out.
 */
function capErrors(errors: FieldError[]): FieldError[] {
  if (errors.length <= MAX_REPORTED_ERRORS) return errors;
  const own = errors.filter((e) => isRegistrationField(e.field));
  const unknown = errors.filter((e) => !isRegistrationField(e.field));
  const shown = [...own, ...unknown].slice(0, MAX_REPORTED_ERRORS);
  const more = errors.length - shown.length;
  return [...shown, { field: MORE_ERRORS_FIELD, code: 'INVALID', message: `${more} more errors are not shown; fix the ones above and send again` }];
}

export function checkIdempotencyKey(key: string | null | undefined): FieldError | null {
  if (key === null || key === undefined) return null;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    return {
      field: 'idempotencyKey',
      code: 'INVALID',
      message: `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`,
    };
  }
  return null;
}

/**
 * What makes two registrations "the same payment": a retry must match it exactly. The
 * case is the resolved one, so naming it by id or by invoice number is the same content;
 * a defaulted clientRegistrationDate is not part of it (it differs on every retry).
 */
export function registrationFingerprint(r: CheckedRegistration, caseId: string): string {
  const content = [
    r.creditorId,
    caseId,
    r.currency,
    r.amount.toString(),
    r.bankTransactionDate.toISOString(),
    r.clientRegistrationDate?.toISOString() ?? '',
    r.creditorPaymentReference ?? '',
    r.origin,
  ];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}
