import { createHash } from 'node:crypto';
import { parseDate } from './dates.ts';
import { type FieldError, type FieldMessage, message, named } from './errors.ts';
import { isId } from './ids.ts';
import { type AmountProblem, formatOre, type Ore, parseAmount } from './money.ts';
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

/**
 * What of a registration is well-formed, field by field, even when other fields failed: the
 * case is still looked up with what passed, so an unknown creditor or case is reported beside the
 * other failures, and a refused value is never looked up.
 */
export type ParsedRegistration = Partial<CheckedRegistration>;

const AMOUNT = named('amount');
const AMOUNT_MESSAGES: Record<AmountProblem, FieldMessage> = {
  not_a_number: message`${AMOUNT} must be a decimal number, like 100.50`,
  too_many_decimals: message`${AMOUNT} must have at most 2 decimals`,
  not_positive: message`${AMOUNT} must be greater than 0`,
  too_large: message`${AMOUNT} must be at most ${formatOre(MAX_PAYMENT)}`,
};

/**
 * Checks every field on its own (no database), reporting every failure at once.
 * Returns the typed registration only when nothing failed, and what parsed in any case.
 */
export function checkRegistration(
  input: Record<string, unknown>,
  now: Date,
): { registration: CheckedRegistration | null; parsed: ParsedRegistration; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (field: string, code: FieldError['code'], text: FieldMessage) => errors.push({ field, code, message: text });
  // null means "not sent" for every field: JSON clients often send nulls for optionals.
  const value = (field: RegistrationField) => (input[field] === null ? undefined : input[field]);

  for (const key of Object.keys(input)) {
    if (!isRegistrationField(key)) fail(key, 'INVALID', message`${named(key)} is not a field of a payment`);
  }
  if (input.fileImportReport !== undefined) {
    fail('fileImportReport', 'READ_ONLY', message`${named('fileImportReport')} is read-only: it is set only by a file import`);
  }

  const text = (field: RegistrationField, maxLength: number, required: boolean): string | null => {
    const v = value(field);
    if (v === undefined) {
      if (required) fail(field, 'REQUIRED', message`${named(field)} is required`);
      return null;
    }
    if (typeof v !== 'string') {
      fail(field, 'INVALID', message`${named(field)} must be a string`);
      return null;
    }
    if (!isStorableText(v)) {
      fail(field, 'INVALID', message`${named(field)} must be valid Unicode text without NUL characters`);
      return null;
    }
    if (v.trim() === '') {
      fail(field, required ? 'REQUIRED' : 'INVALID', message`${named(field)} must not be empty`);
      return null;
    }
    if (v.length > maxLength) {
      fail(field, 'INVALID', message`${named(field)} must be at most ${maxLength} characters`);
      return null;
    }
    return v;
  };
  const id = (field: 'creditor' | 'case' | 'account', required: boolean): string | null => {
    const v = text(field, 64, required);
    // A malformed id names nothing that exists: same answer as an unknown one.
    if (v !== null && !isId(v)) {
      fail(field, 'NOT_FOUND', message`${named(field)} ${v} not found`);
      return null;
    }
    return v;
  };
  const date = (field: 'bankTransactionDate' | 'clientRegistrationDate', required: boolean): Date | null => {
    const v = value(field);
    if (v === undefined) {
      if (required) fail(field, 'REQUIRED', message`${named(field)} is required`);
      return null;
    }
    const parsed = parseDate(v);
    if (!parsed) {
      fail(field, 'INVALID', message`${named(field)} must be a date in RFC 1123 (Fri, 04 Jul 2025 16:20:41 GMT) or ISO 8601 format`);
    }
    return parsed;
  };

  const creditorId = id('creditor', true);
  const account = id('account', false);
  const caseSent = value('case') !== undefined;
  const invoiceSent = value('invoiceNumber') !== undefined;
  if (!caseSent && !invoiceSent) fail('case', 'REQUIRED', message`${named('case')} or ${named('invoiceNumber')} is required`);
  if (caseSent && invoiceSent) fail('invoiceNumber', 'INVALID', message`send either ${named('case')} or ${named('invoiceNumber')}, not both`);
  const caseId = id('case', false);
  const invoiceNumber = text('invoiceNumber', MAX_INVOICE_NUMBER_LENGTH, false);

  // A field that breaks a rule is left out of what parsed.
  let currency = text('currency', 16, true);
  if (currency !== null && !isCurrency(currency)) {
    fail('currency', 'UNSUPPORTED', message`${named('currency')} ${currency} is not supported; only ${CURRENCIES.join(', ')} is`);
    currency = null;
  }

  let amount: Ore | null = null;
  const rawAmount = value('amount');
  if (rawAmount === undefined) fail('amount', 'REQUIRED', message`${AMOUNT} is required`);
  else {
    const parsed = parseAmount(rawAmount);
    if ('problem' in parsed) fail('amount', 'INVALID', AMOUNT_MESSAGES[parsed.problem]);
    else amount = parsed.ore;
  }

  let bankTransactionDate = date('bankTransactionDate', true);
  if (bankTransactionDate && bankTransactionDate.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    fail('bankTransactionDate', 'INVALID', message`${named('bankTransactionDate')} must not be in the future`);
    bankTransactionDate = null;
  }
  const clientRegistrationDate = date('clientRegistrationDate', false);
  const creditorPaymentReference = text('creditorPaymentReference', MAX_REFERENCE_LENGTH, false);
  let origin = text('origin', 64, true);
  if (origin !== null && origin !== CREDITOR_SYSTEM_ORIGIN) {
    fail('origin', 'INVALID', message`${named('origin')} must be "${CREDITOR_SYSTEM_ORIGIN}"`);
    origin = null;
  }

  const parsed: ParsedRegistration = {
    ...(creditorId !== null && { creditorId }),
    ...(caseId !== null && { caseId }),
    // Only a value that passed its checks is looked up: a refused field gets no second message.
    ...(invoiceNumber !== null && !caseSent && { invoiceNumber }),
    ...(account !== null && { account }),
    ...(currency !== null && { currency }),
    ...(amount !== null && { amount }),
    ...(bankTransactionDate !== null && { bankTransactionDate }),
    clientRegistrationDate,
    creditorPaymentReference,
    ...(origin !== null && { origin }),
  };
  if (errors.length > 0 || creditorId === null || currency === null || amount === null || !bankTransactionDate || origin === null) {
    return { registration: null, parsed, errors: capErrors(errors) };
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
    parsed,
    errors,
  };
}

function isRegistrationField(key: string): key is RegistrationField {
  return (REGISTRATION_FIELDS as readonly string[]).includes(key);
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
  return [...shown, { field: MORE_ERRORS_FIELD, code: 'INVALID', message: message`${more} more errors are not shown; fix the ones above and send again` }];
}

export function checkIdempotencyKey(key: string | null | undefined): FieldError | null {
  if (key === null || key === undefined) return null;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    return {
      field: 'idempotencyKey',
      code: 'INVALID',
      message: message`${named('idempotencyKey')} must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`,
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
