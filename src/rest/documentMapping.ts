import type { Case, Payment } from '../db/client.ts';
import { caseEtag, remainingTotal } from '../domain/cases.ts';
import { formatRfc1123 } from '../domain/dates.ts';
import { type FieldError, fieldMessage, shortName } from '../domain/errors.ts';
import { settledAmount } from '../domain/payments.ts';
import { REGISTRATION_FIELDS } from '../domain/registration.ts';
import { caseStateOf, currencyOf, paymentStatusOf, statusReasonOf } from '../domain/vocabulary.ts';
import { ExactNumber } from '../http/jsonBody.ts';
import { MoneyNumber } from './decimalJson.ts';
import type { CaseDocument, ItemLinksDocument, LinkDocument, PaymentCreatedDocument, PaymentDocument } from './schemas.ts';

/**
 * The REST face speaks the seed's snake_case; the domain speaks camelCase. Only the
 * names change here: every rule stays in the domain module.
 */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** REST field name -> domain field name, for every field of a registration. */
const DOMAIN_NAME_OF: ReadonlyMap<string, string> = new Map(REGISTRATION_FIELDS.map((field) => [snakeCase(field), field]));

/** What the REST client calls a domain field: the header's name for the Idempotency-Key. */
const REST_NAME_OF: ReadonlyMap<string, string> = new Map([
  ...REGISTRATION_FIELDS.map((field) => [field, snakeCase(field)] as const),
  ['idempotencyKey', 'Idempotency-Key'],
]);

// A REST key that is not a REST field still goes to the domain, so the domain reports it
// as unknown beside every other failure. A camelCase key that happens to be a domain name
// ("bankTransactionDate") must not be taken for that field, so it travels under this prefix.
const UNKNOWN_KEY_PREFIX = 'rest:';

export type Issues = Record<string, string | string[]>;

export interface DomainRegistration {
  /** The body under the domain's names, for registerPayment. */
  input: Record<string, unknown>;
  /** Eve's `_issues` for the domain's field errors, under the names this request used. */
  issuesOf(errors: FieldError[]): Issues;
}

export function registrationFromRest(body: Record<string, unknown>): DomainRegistration {
  // No prototype: a client's key is only ever a key.
  const input: Record<string, unknown> = Object.create(null);
  const unknownKeys = new Map<string, string>();
  for (const [key, value] of Object.entries(body)) {
    const field = DOMAIN_NAME_OF.get(key);
    if (field !== undefined) {
      // An amount a double would round reaches the domain as the exact text the client sent.
      input[field] = field === 'amount' && value instanceof ExactNumber ? value.decimalText : value;
      continue;
    }
    let carried = key;
    while ((REGISTRATION_FIELDS as readonly string[]).includes(carried) || Object.hasOwn(input, carried)) carried = UNKNOWN_KEY_PREFIX + carried;
    unknownKeys.set(carried, key);
    input[carried] = value;
  }

  // An unknown key under the name it was sent with, a field under its snake_case name.
  const restName = (field: string) => unknownKeys.get(field) ?? REST_NAME_OF.get(field) ?? field;
  return {
    input,
    issuesOf(errors) {
      // One message per field, or a list when a field failed more than one rule.
      const issues: Issues = Object.create(null);
      for (const error of errors) {
        // An unknown key is cut like in its message: the answer stays smaller than the request.
        const key = shortName(restName(error.field));
        const message = fieldMessage(error.message, restName);
        const earlier = issues[key];
        issues[key] = earlier === undefined ? message : [...(Array.isArray(earlier) ? earlier : [earlier]), message];
      }
      return issues;
    },
  };
}

const money = (ore: bigint) => new MoneyNumber(ore);
const date = (value: Date | null): string | null => (value ? formatRfc1123(value) : null);

/** The seed's resource names; hrefs and the Location header are built from them. */
export const PAYMENTS = 'creditor--payments';
export const CASES = 'cases';

/** Eve's title of one document of a resource: `resource.rstrip("s").capitalize()`. */
function itemTitle(resource: string): string {
  const name = resource.replace(/s+$/, '');
  return name.charAt(0).toUpperCase() + name.slice(1).toLowerCase();
}

/** Eve's link to one document, relative to the API root. */
export function documentLink(resource: string, id: string): LinkDocument {
  return { title: itemTitle(resource), href: `${resource}/${id}` };
}

/** The links of a document on GET of the item: Eve adds its home and its collection. */
export function itemLinks(resource: string, id: string): ItemLinksDocument {
  return { self: documentLink(resource, id), parent: { title: 'home', href: '/' }, collection: { title: resource, href: resource } };
}

/** Eve's meta fields of a payment document, the same in every answer that carries one. */
function paymentMeta(payment: Payment) {
  return {
    _id: payment.id,
    _created: formatRfc1123(payment.createdAt),
    _updated: formatRfc1123(payment.updatedAt),
    _links: { self: documentLink(PAYMENTS, payment.id) },
    _etag: payment.etag,
  };
}

/** The 201 (and replay) body of POST /creditor--payments: the contract's fields and Eve's `_links`. */
export function createdPaymentDocument(payment: Payment, theCase: Case): PaymentCreatedDocument {
  const status = paymentStatusOf(payment);
  return {
    ...paymentMeta(payment),
    _status: 'OK',
    _payment_status: status,
    settled_amount: money(settledAmount(payment)),
    status,
    status_reason_locale: statusReasonOf(payment),
    case_invoice_number: theCase.invoiceNumber,
    case_reference_number: theCase.referenceNumber,
    booking_date: date(payment.bookingDate),
  };
}

/** GET /creditor--payments/{id} and the list's items: the stored payment, with the case's projections. */
export function paymentDocument(payment: Payment, theCase: Case): PaymentDocument {
  const status = paymentStatusOf(payment);
  return {
    ...paymentMeta(payment),
    _payment_status: status,
    account: payment.accountId,
    creditor: payment.creditorId,
    case: payment.caseId,
    currency: currencyOf(payment),
    amount: money(payment.amount),
    settled_amount: money(settledAmount(payment)),
    settled_costs: money(payment.settledCosts),
    settled_interest: money(payment.settledInterest),
    settled_capital: money(payment.settledCapital),
    status,
    status_reason_locale: statusReasonOf(payment),
    bank_transaction_date: formatRfc1123(payment.bankTransactionDate),
    client_registration_date: formatRfc1123(payment.clientRegistrationDate),
    booking_date: date(payment.bookingDate),
    creditor_payment_reference: payment.creditorPaymentReference,
    origin: payment.origin,
    file_import_report: payment.fileImportReportId,
    case_invoice_number: theCase.invoiceNumber,
    case_reference_number: theCase.referenceNumber,
    // Eve keeps every field a registration sent: one that named its case by invoice number shows it.
    ...(payment.invoiceNumber !== null ? { invoice_number: payment.invoiceNumber } : {}),
  };
}

/** GET /cases/{id} and the list's items. */
export function caseDocument(theCase: Case): CaseDocument {
  const content = {
    _id: theCase.id,
    _created: formatRfc1123(theCase.createdAt),
    _updated: formatRfc1123(theCase.updatedAt),
    _links: { self: documentLink(CASES, theCase.id) },
    creditor: theCase.creditorId,
    invoice_number: theCase.invoiceNumber,
    reference_number: theCase.referenceNumber,
    currency: currencyOf(theCase),
    state: caseStateOf(theCase),
    remaining_costs: money(theCase.remainingCosts),
    remaining_interest: money(theCase.remainingInterest),
    remaining_capital: money(theCase.remainingCapital),
    remaining_total: money(remainingTotal(theCase)),
  };
  return { ...content, _etag: caseEtag(theCase) };
}
