import { type Static, type TSchema, Type } from 'typebox';
import { oreToNumber } from '../domain/money.ts';
import {
  CASE_STATES,
  CREDITOR_SYSTEM_ORIGIN,
  CURRENCIES,
  CURRENCY,
  MAX_INVOICE_NUMBER_LENGTH,
  MAX_PAGE_SIZE,
  MAX_PAYMENT,
  MAX_REFERENCE_LENGTH,
  PAYMENT_STATUS,
  PAYMENT_STATUSES,
  STATUS_REASONS,
} from '../domain/vocabulary.ts';
import type { MoneyNumber } from './decimalJson.ts';

/**
 * The documents of the REST face, as JSON Schemas (TypeBox): the route schemas refer to them,
 * @fastify/swagger lists them under `components.schemas` of /openapi.json, and the document
 * builders (documentMapping.ts) are typed by them, so a key or a value list is written only here.
 * Every value list and limit comes from the domain's vocabulary.
 */

const rfc1123 = (description = 'RFC 1123 date, always GMT.') =>
  Type.String({
    description,
    pattern: '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$',
    examples: ['Fri, 04 Jul 2025 16:20:41 GMT'],
  });
const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const id = (description?: string) =>
  Type.String({ pattern: '^[0-9a-f]{24}$', examples: ['6867e6b174dfc89e006084d1'], ...(description ? { description } : {}) });
const etag = () => Type.String({ pattern: '^[0-9a-f]{40}$', description: 'Entity tag of this version of the document.' });
const MONEY = `${CURRENCIES.join(' or ')}, at most 2 decimals; always written with a decimal point (\`100.0\`, \`971.4\`), exact to the öre.`;
/** An amount of a document: a JSON number written from integer öre (decimalJson.ts). */
const money = (description = MONEY, options: { exclusiveMinimum?: number } = {}) =>
  Type.Unsafe<MoneyNumber>(Type.Number(options.exclusiveMinimum === undefined ? { minimum: 0, description } : { ...options, description }));
const currency = () => Type.Enum(CURRENCIES);
const paymentStatus = () => Type.Enum(PAYMENT_STATUSES);
const statusReason = () => Type.Union([Type.Enum(STATUS_REASONS), Type.Null()], { description: `Why the status is not \`${PAYMENT_STATUS.completed}\`.` });
export const Link = Type.Object(
  { title: Type.String(), href: Type.String({ description: 'Relative to the API root.' }) },
  { $id: 'Link', additionalProperties: false },
);

/** Eve's HATEOAS links of one document: `self` always; `parent` and `collection` on GET of the item. */
export const ItemLinks = Type.Object(
  { self: refTo(Link), parent: Type.Optional(refTo(Link)), collection: Type.Optional(refTo(Link)) },
  { $id: 'ItemLinks', additionalProperties: false },
);

/** What every stored document carries first. */
const stored = () => ({ _id: id(), _created: rfc1123(), _updated: rfc1123(), _links: refTo(ItemLinks) });
const dateInput = (rule: string) =>
  Type.String({
    description: `RFC 1123 (\`Fri, 04 Jul 2025 16:20:41 GMT\`; also a one-digit day or hour, names in any case, any weekday) or ISO 8601 with a time zone. ${rule}`,
    examples: ['Fri, 04 Jul 2025 16:20:41 GMT'],
  });

/**
 * The body of POST /creditor--payments. It describes what the domain accepts; the domain checks
 * it (src/domain/registration.ts) and answers 422 with `_issues`, so Fastify does not.
 */
export const PaymentRegistration = Type.Object(
  {
    account: Type.Optional(id("Read-only, set from the case; accepted only when it is the case's account.")),
    creditor: id('A creditor of your account.'),
    case: Type.Optional(id('The case to apply the payment to; or give invoice_number.')),
    invoice_number: Type.Optional(Type.String({ maxLength: MAX_INVOICE_NUMBER_LENGTH, description: "Finds the case among the creditor's; or give case." })),
    currency: currency(),
    amount: Type.Number({ exclusiveMinimum: 0, maximum: oreToNumber(MAX_PAYMENT), description: 'At most 2 decimals.' }),
    bank_transaction_date: dateInput('Not in the future.'),
    client_registration_date: Type.Optional(dateInput('Defaults to now.')),
    creditor_payment_reference: Type.Optional(
      Type.String({
        maxLength: MAX_REFERENCE_LENGTH,
        description: 'Your reference; sending the same registration again returns the stored payment (200).',
      }),
    ),
    file_import_report: Type.Optional(Type.String({ readOnly: true, description: 'Read-only: set only by a file import.' })),
    origin: Type.Enum([CREDITOR_SYSTEM_ORIGIN]),
  },
  {
    $id: 'PaymentRegistration',
    description: 'A payment a debtor made straight to the creditor. Give either `case` or `invoice_number`.',
    additionalProperties: false,
    oneOf: [{ required: ['case'] }, { required: ['invoice_number'] }],
    // The seed's own example.
    examples: [
      {
        account: '674dbeaf08847b9501cc9132',
        creditor: '674dbeb208847b9501cc9138',
        case: '68678eda88b9226bb78d7169',
        currency: CURRENCY.SEK,
        amount: 100.0,
        bank_transaction_date: 'Fri, 04 Jul 2025 16:20:41 GMT',
        creditor_payment_reference: 'PAY-REF-001',
        origin: CREDITOR_SYSTEM_ORIGIN,
      },
    ],
  },
);

/** The 201 (and replay) body of POST /creditor--payments: exactly the contract's fields. */
export const PaymentCreated = Type.Object(
  {
    ...stored(),
    _etag: etag(),
    _status: Type.Literal('OK'),
    _payment_status: paymentStatus(),
    settled_amount: money('What was applied to the case.'),
    status: paymentStatus(),
    status_reason_locale: statusReason(),
    case_invoice_number: Type.String(),
    case_reference_number: Type.String(),
    booking_date: nullable(rfc1123('When the settlement was booked; null when nothing was settled.')),
  },
  { $id: 'PaymentCreated', additionalProperties: false },
);

export const Payment = Type.Object(
  {
    ...stored(),
    _etag: etag(),
    _payment_status: paymentStatus(),
    account: id(),
    creditor: id(),
    case: id(),
    currency: currency(),
    amount: money(MONEY, { exclusiveMinimum: 0 }),
    settled_amount: money(),
    settled_costs: money(),
    settled_interest: money(),
    settled_capital: money(),
    status: paymentStatus(),
    status_reason_locale: statusReason(),
    bank_transaction_date: rfc1123(),
    client_registration_date: rfc1123(),
    booking_date: nullable(rfc1123()),
    creditor_payment_reference: nullable(Type.String()),
    origin: Type.String(),
    file_import_report: nullable(Type.String()),
    case_invoice_number: Type.String(),
    case_reference_number: Type.String(),
    invoice_number: Type.Optional(Type.String({ description: 'The `invoice_number` the registration named its case by, when it did.' })),
  },
  { $id: 'Payment', additionalProperties: false },
);

export const Case = Type.Object(
  {
    ...stored(),
    creditor: id(),
    invoice_number: Type.String(),
    reference_number: Type.String(),
    currency: currency(),
    state: Type.Enum(CASE_STATES),
    remaining_costs: money(),
    remaining_interest: money(),
    remaining_capital: money(),
    remaining_total: money(),
    _etag: etag(),
  },
  { $id: 'Case', additionalProperties: false },
);

export const Meta = Type.Object(
  {
    page: Type.Integer({ minimum: 1 }),
    max_results: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE }),
    total: Type.Integer({ minimum: 0, description: 'Items matching the query, on all pages.' }),
  },
  { $id: 'Meta', additionalProperties: false },
);

/** GET /: Eve's home document, a link to each resource. */
export const Home = Type.Object(
  { _links: Type.Object({ child: Type.Array(refTo(Link)) }, { additionalProperties: false }) },
  { $id: 'Home', additionalProperties: false },
);

export const ListLinks = Type.Object(
  {
    parent: refTo(Link),
    self: refTo(Link),
    next: Type.Optional(refTo(Link)),
    prev: Type.Optional(refTo(Link)),
    last: Type.Optional(refTo(Link)),
  },
  { $id: 'ListLinks', additionalProperties: false, description: "Each href carries the query's where, sort and max_results." },
);

const listOf = <T extends TSchema>($id: string, item: T) =>
  Type.Object({ _items: Type.Array(refTo(item)), _meta: refTo(Meta), _links: refTo(ListLinks) }, { $id, additionalProperties: false });
export const PaymentList = listOf('PaymentList', Payment);
export const CaseList = listOf('CaseList', Case);

/** Eve's error envelope; `_issues` only on 409 and 422. */
export const ErrorBody = Type.Object(
  {
    _status: Type.Literal('ERR'),
    _error: Type.Object({ code: Type.Integer(), message: Type.String() }, { additionalProperties: false }),
    _issues: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 2 })]), {
        description: 'Per request field (the header `Idempotency-Key` by its name): what is wrong with it.',
      }),
    ),
  },
  { $id: 'Error', additionalProperties: false },
);

/** A bulk insert (a JSON array on POST /creditor--payments), as Eve answers it: all stored. */
export const PaymentsCreated = Type.Object(
  {
    _status: Type.Literal('OK'),
    _items: Type.Array(refTo(PaymentCreated), { minItems: 2, description: 'One per payment sent, in the order sent; each as the answer to its single POST.' }),
  },
  { $id: 'PaymentsCreated', additionalProperties: false },
);

const issues = () =>
  Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 2 })]), {
    description: 'Per request field (the header `Idempotency-Key` by its name): what is wrong with it.',
  });

/** A bulk insert of which some payment failed: nothing stored; each payment's own status. */
export const BulkError = Type.Object(
  {
    _status: Type.Literal('ERR'),
    _items: Type.Array(
      Type.Union([
        Type.Object({ _status: Type.Literal('OK') }, { additionalProperties: false, description: 'This payment passed; it was not stored either.' }),
        Type.Object({ _status: Type.Literal('ERR'), _issues: issues() }, { additionalProperties: false }),
      ]),
      { minItems: 2, description: 'One per payment sent, in the order sent.' },
    ),
    _error: Type.Object({ code: Type.Literal(422), message: Type.String() }, { additionalProperties: false }),
  },
  { $id: 'BulkError', additionalProperties: false },
);

/** Every document schema, for `addSchema`: each becomes one entry of the document's components. */
export const DOCUMENT_SCHEMAS = [
  PaymentRegistration,
  PaymentCreated,
  Payment,
  Case,
  Link,
  Meta,
  ListLinks,
  PaymentList,
  CaseList,
  ErrorBody,
  PaymentsCreated,
  BulkError,
  ItemLinks,
  Home,
];

/**
 * A reference to one of DOCUMENT_SCHEMAS by its `$id`, typed as the schema it names: the
 * document lists each schema once, and a route's reply is still checked against it.
 */
export function refTo<T extends TSchema>(schema: T, annotations: { description?: string; headers?: Record<string, TSchema> } = {}) {
  return Type.Unsafe<Static<T>>({ $ref: `${(schema as { $id?: string }).$id}#`, ...annotations });
}

export type PaymentCreatedDocument = Static<typeof PaymentCreated>;
export type PaymentDocument = Static<typeof Payment>;
export type CaseDocument = Static<typeof Case>;
export type LinkDocument = Static<typeof Link>;
export type ItemLinksDocument = Static<typeof ItemLinks>;
export type HomeDocument = Static<typeof Home>;
export type ListLinksDocument = Static<typeof ListLinks>;
export type MetaDocument = Static<typeof Meta>;
export type ErrorDocument = Static<typeof ErrorBody>;
export type PaymentsCreatedDocument = Static<typeof PaymentsCreated>;
export type BulkErrorDocument = Static<typeof BulkError>;
