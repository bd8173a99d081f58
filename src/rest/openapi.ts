import type { OpenAPIV3_1 } from 'openapi-types';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/paging.ts';
import { CREDITOR_SYSTEM_ORIGIN, MAX_REFERENCE_LENGTH } from '../domain/registration.ts';
import { INSERTION_FAILURE } from './envelope.ts';
import { MAX_PAGE } from './listQuery.ts';

/**
 * The OpenAPI 3.1 document of the REST API, served at /openapi.json. Written as a typed
 * object rather than generated from route schemas, because validation belongs to the
 * domain (its 422 `_issues`), not to Fastify. test/rest/openapi.test.ts keeps it true:
 * it validates the document and checks real responses against its schemas.
 */

type Schema = OpenAPIV3_1.SchemaObject;

/**
 * OpenAPIV3_1.Document, with path items narrowed to the operations used: openapi-types'
 * own 3.1 PathItemObject also intersects the 3.0 operation types, which rejects 3.1 schemas.
 */
export interface RestApiDocument {
  openapi: '3.1.0';
  info: OpenAPIV3_1.InfoObject;
  security: OpenAPIV3_1.SecurityRequirementObject[];
  paths: Record<string, Partial<Record<'get' | 'post', OpenAPIV3_1.OperationObject>>>;
  components: OpenAPIV3_1.ComponentsObject;
}
const ref = (name: string): OpenAPIV3_1.ReferenceObject => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string): OpenAPIV3_1.ReferenceObject => ({ $ref: `#/components/responses/${name}` });
const parameter = (name: string): OpenAPIV3_1.ReferenceObject => ({ $ref: `#/components/parameters/${name}` });

const rfc1123: Schema = {
  type: 'string',
  description: 'RFC 1123 date, always GMT.',
  pattern: '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$',
  examples: ['Fri, 04 Jul 2025 16:20:41 GMT'],
};
const nullableRfc1123: Schema = { ...rfc1123, type: ['string', 'null'] };
const id: Schema = { type: 'string', pattern: '^[0-9a-f]{24}$', examples: ['6867e6b174dfc89e006084d1'] };
const etag: Schema = { type: 'string', pattern: '^[0-9a-f]{40}$', description: 'Entity tag of this version of the document.' };
const money: Schema = { type: 'number', minimum: 0, description: 'SEK, at most 2 decimals.' };
const paymentStatus: Schema = { type: 'string', enum: ['completed', 'warning', 'error'] };
const statusReason: Schema = {
  type: ['string', 'null'],
  description: 'Why the status is not `completed`.',
  enum: [
    'creditor_payment.status_reason.overpayment',
    'creditor_payment.status_reason.case_already_paid',
    'creditor_payment.status_reason.case_closed',
    null,
  ],
};
const dateInput: Schema = {
  type: 'string',
  description: 'RFC 1123 (`Fri, 04 Jul 2025 16:20:41 GMT`) or ISO 8601 with a time zone.',
  examples: ['Fri, 04 Jul 2025 16:20:41 GMT'],
};

const schemas: Record<string, Schema> = {
  PaymentRegistration: {
    type: 'object',
    description: 'A payment a debtor made straight to the creditor. Give either `case` or `invoice_number`.',
    additionalProperties: false,
    required: ['creditor', 'currency', 'amount', 'bank_transaction_date', 'origin'],
    oneOf: [{ required: ['case'] }, { required: ['invoice_number'] }],
    properties: {
      account: { ...id, description: "Read-only, set from the case; accepted only when it is the case's account." },
      creditor: { ...id, description: 'A creditor of your account.' },
      case: { ...id, description: 'The case to apply the payment to; or give invoice_number.' },
      invoice_number: { type: 'string', description: "Finds the case among the creditor's; or give case." },
      currency: { type: 'string', enum: ['SEK'] },
      amount: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000_000, description: 'At most 2 decimals.' },
      bank_transaction_date: { ...dateInput, description: `${dateInput.description} Not in the future.` },
      client_registration_date: { ...dateInput, description: `${dateInput.description} Defaults to now.` },
      creditor_payment_reference: {
        type: 'string',
        maxLength: MAX_REFERENCE_LENGTH,
        description: 'Your reference; sending the same registration again returns the stored payment (200).',
      },
      file_import_report: { type: 'string', readOnly: true, description: 'Read-only: set only by a file import.' },
      origin: { type: 'string', enum: [CREDITOR_SYSTEM_ORIGIN] },
    },
  },
  PaymentCreated: {
    type: 'object',
    additionalProperties: false,
    required: [
      '_id',
      '_created',
      '_updated',
      '_etag',
      '_status',
      '_payment_status',
      'settled_amount',
      'status',
      'status_reason_locale',
      'case_invoice_number',
      'case_reference_number',
      'booking_date',
    ],
    properties: {
      _id: id,
      _created: rfc1123,
      _updated: rfc1123,
      _etag: etag,
      _status: { type: 'string', const: 'OK' },
      _payment_status: paymentStatus,
      settled_amount: { ...money, description: 'What was applied to the case.' },
      status: paymentStatus,
      status_reason_locale: statusReason,
      case_invoice_number: { type: 'string' },
      case_reference_number: { type: 'string' },
      booking_date: { ...nullableRfc1123, description: 'When the settlement was booked; null when nothing was settled.' },
    },
  },
  Payment: {
    type: 'object',
    additionalProperties: false,
    required: [
      '_id',
      '_created',
      '_updated',
      '_etag',
      'account',
      'creditor',
      'case',
      'currency',
      'amount',
      'settled_amount',
      'settled_costs',
      'settled_interest',
      'settled_capital',
      'status',
      'status_reason_locale',
      'bank_transaction_date',
      'client_registration_date',
      'booking_date',
      'creditor_payment_reference',
      'origin',
      'file_import_report',
      'case_invoice_number',
      'case_reference_number',
    ],
    properties: {
      _id: id,
      _created: rfc1123,
      _updated: rfc1123,
      _etag: etag,
      account: id,
      creditor: id,
      case: id,
      currency: { type: 'string', enum: ['SEK'] },
      amount: { ...money, exclusiveMinimum: 0 },
      settled_amount: money,
      settled_costs: money,
      settled_interest: money,
      settled_capital: money,
      status: paymentStatus,
      status_reason_locale: statusReason,
      bank_transaction_date: rfc1123,
      client_registration_date: rfc1123,
      booking_date: nullableRfc1123,
      creditor_payment_reference: { type: ['string', 'null'] },
      origin: { type: 'string' },
      file_import_report: { type: ['string', 'null'] },
      case_invoice_number: { type: 'string' },
      case_reference_number: { type: 'string' },
    },
  },
  Case: {
    type: 'object',
    additionalProperties: false,
    required: [
      '_id',
      '_created',
      '_updated',
      '_etag',
      'creditor',
      'invoice_number',
      'reference_number',
      'currency',
      'state',
      'remaining_costs',
      'remaining_interest',
      'remaining_capital',
      'remaining_total',
    ],
    properties: {
      _id: id,
      _created: rfc1123,
      _updated: rfc1123,
      _etag: etag,
      creditor: id,
      invoice_number: { type: 'string' },
      reference_number: { type: 'string' },
      currency: { type: 'string', enum: ['SEK'] },
      state: { type: 'string', enum: ['OPEN', 'PAID', 'CLOSED'] },
      remaining_costs: money,
      remaining_interest: money,
      remaining_capital: money,
      remaining_total: money,
    },
  },
  Link: {
    type: 'object',
    additionalProperties: false,
    required: ['title', 'href'],
    properties: { title: { type: 'string' }, href: { type: 'string', description: 'Relative to the API root.' } },
  },
  Meta: {
    type: 'object',
    additionalProperties: false,
    required: ['page', 'max_results', 'total'],
    properties: {
      page: { type: 'integer', minimum: 1 },
      max_results: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
      total: { type: 'integer', minimum: 0, description: 'Items matching the query, on all pages.' },
    },
  },
  ListLinks: {
    type: 'object',
    additionalProperties: false,
    required: ['parent', 'self'],
    description: "Each href carries the query's where, sort and max_results.",
    properties: { parent: ref('Link'), self: ref('Link'), next: ref('Link'), prev: ref('Link'), last: ref('Link') },
  },
  PaymentList: {
    type: 'object',
    additionalProperties: false,
    required: ['_items', '_meta', '_links'],
    properties: { _items: { type: 'array', items: ref('Payment') }, _meta: ref('Meta'), _links: ref('ListLinks') },
  },
  CaseList: {
    type: 'object',
    additionalProperties: false,
    required: ['_items', '_meta', '_links'],
    properties: { _items: { type: 'array', items: ref('Case') }, _meta: ref('Meta'), _links: ref('ListLinks') },
  },
  Error: {
    type: 'object',
    additionalProperties: false,
    required: ['_status', '_error'],
    properties: {
      _status: { type: 'string', const: 'ERR' },
      _error: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'message'],
        properties: { code: { type: 'integer' }, message: { type: 'string' } },
      },
      _issues: {
        type: 'object',
        description: 'Per request field (the header `Idempotency-Key` by its name): what is wrong with it.',
        additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 2 }] },
      },
    },
  },
};

const errorResponse = (description: string): OpenAPIV3_1.ResponseObject => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});

const etagHeader: OpenAPIV3_1.HeaderObject = { description: 'The quoted `_etag` of the document.', required: true, schema: { type: 'string' } };

const listParameters = [parameter('where'), parameter('sort'), parameter('page'), parameter('max_results')];

export const openApiDocument: RestApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Creditor payments REST API',
    version: '1.0.0',
    description:
      'Register payments that debtors made straight to the creditor, and read them and the cases back. Compatible with the `creditor--payments` resource of the system it mirrors (Eve-style envelopes).',
  },
  security: [{ apiKey: [] }],
  paths: {
    '/creditor--payments': {
      post: {
        operationId: 'registerPayment',
        summary: 'Register a payment',
        description:
          'Applies the payment to its case (costs, then interest, then capital). Sending a registration that was stored before (same `creditor_payment_reference`, or same `Idempotency-Key` without one) answers 200 with the original body and changes nothing.',
        parameters: [parameter('Idempotency-Key')],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref('PaymentRegistration'),
              example: {
                account: '674dbeaf08847b9501cc9132',
                creditor: '674dbeb208847b9501cc9138',
                case: '68678eda88b9226bb78d7169',
                currency: 'SEK',
                amount: 100.0,
                bank_transaction_date: 'Fri, 04 Jul 2025 16:20:41 GMT',
                creditor_payment_reference: 'PAY-REF-001',
                origin: 'creditor_system',
              },
            },
          },
        },
        responses: {
          '201': {
            description: 'Registered.',
            headers: { Location: { description: 'The payment: /creditor--payments/{id}.', required: true, schema: { type: 'string' } } },
            content: { 'application/json': { schema: ref('PaymentCreated') } },
          },
          '200': {
            description: 'A replay of a stored registration: the original body, nothing changed.',
            headers: { Location: { description: 'The payment: /creditor--payments/{id}.', required: true, schema: { type: 'string' } } },
            content: { 'application/json': { schema: ref('PaymentCreated') } },
          },
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '429': response('TooManyRequests'),
          '409': errorResponse('The reference (or Idempotency-Key) was used before for a registration with other content; nothing stored.'),
          '413': errorResponse('The body is larger than the server accepts.'),
          '415': errorResponse('The body is not application/json.'),
          '422': errorResponse(`Validation failed; nothing stored. \`_error.message\` is "${INSERTION_FAILURE}", \`_issues\` names each field.`),
          '503': errorResponse('The database connection was lost while the payment was being stored and whether it was stored is unknown. Sending it again with the same creditor_payment_reference or Idempotency-Key is safe: a stored payment is returned as a replay.'),
        },
      },
      get: {
        operationId: 'listPayments',
        summary: "List your account's payments",
        parameters: listParameters,
        responses: {
          '200': { description: 'One page.', content: { 'application/json': { schema: ref('PaymentList') } } },
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '429': response('TooManyRequests'),
        },
      },
    },
    '/creditor--payments/{id}': {
      get: {
        operationId: 'getPayment',
        summary: 'Get a payment',
        parameters: [parameter('id'), parameter('If-None-Match')],
        responses: {
          '200': { description: 'The payment.', headers: { ETag: etagHeader }, content: { 'application/json': { schema: ref('Payment') } } },
          '304': { description: 'The client holds this version already (If-None-Match).', headers: { ETag: etagHeader } },
          '401': response('Unauthorized'),
          '429': response('TooManyRequests'),
          '404': response('NotFound'),
          '414': response('UriTooLong'),
        },
      },
    },
    '/cases': {
      get: {
        operationId: 'listCases',
        summary: "List your account's cases",
        parameters: listParameters,
        responses: {
          '200': { description: 'One page.', content: { 'application/json': { schema: ref('CaseList') } } },
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '429': response('TooManyRequests'),
        },
      },
    },
    '/cases/{id}': {
      get: {
        operationId: 'getCase',
        summary: 'Get a case',
        parameters: [parameter('id'), parameter('If-None-Match')],
        responses: {
          '200': { description: 'The case.', headers: { ETag: etagHeader }, content: { 'application/json': { schema: ref('Case') } } },
          '304': { description: 'The client holds this version already (If-None-Match).', headers: { ETag: etagHeader } },
          '401': response('Unauthorized'),
          '429': response('TooManyRequests'),
          '404': response('NotFound'),
          '414': response('UriTooLong'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This document',
        security: [],
        responses: {
          '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object' } } } },
          '429': response('TooManyRequests'),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The API key of your account.' },
    },
    parameters: {
      id: { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The `_id`.' },
      where: {
        name: 'where',
        in: 'query',
        schema: { type: 'string' },
        description:
          'A JSON object of conditions, all of which must hold. Payments: `creditor`, `case`, `status`, `creditor_payment_reference` (equality) and `bank_transaction_date` (a date, or `{"$gte": date, "$lte": date}`). Cases: `creditor`, `state`, `invoice_number`. Anything else is 400.',
        examples: {
          status: { value: '{"status": "warning"}' },
          dates: { value: '{"bank_transaction_date": {"$gte": "Tue, 01 Jul 2025 00:00:00 GMT", "$lte": "2025-07-31T23:59:59Z"}}' },
        },
      },
      sort: {
        name: 'sort',
        in: 'query',
        schema: { type: 'string', default: '-_created' },
        description:
          'Comma-separated fields, `-` for descending. Payments: `_created`, `_updated`, `bank_transaction_date`, `amount`. Cases: `_created`, `_updated`.',
        example: 'bank_transaction_date,-amount',
      },
      page: { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 } },
      max_results: {
        name: 'max_results',
        in: 'query',
        schema: { type: 'integer', minimum: 1, default: DEFAULT_PAGE_SIZE },
        description: `Page size; more than ${MAX_PAGE_SIZE} is taken as ${MAX_PAGE_SIZE}.`,
      },
      'If-None-Match': {
        name: 'If-None-Match',
        in: 'header',
        schema: { type: 'string' },
        description: 'The ETag you hold: 304 without a body when it is still current.',
      },
      'Idempotency-Key': {
        name: 'Idempotency-Key',
        in: 'header',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
        description: 'Makes a registration without a `creditor_payment_reference` safe to retry.',
      },
    },
    responses: {
      BadRequest: errorResponse('Malformed JSON body, or a bad where, sort, page or max_results.'),
      Unauthorized: errorResponse('No or bad x-api-key.'),
      NotFound: errorResponse('No such document in your account.'),
      UriTooLong: errorResponse('A path segment (the id) is over 100 characters.'),
      TooManyRequests: {
        ...errorResponse('Over the rate limit of requests per minute for this API key (per client address without one), when the server sets one.'),
        headers: { 'Retry-After': { description: 'Seconds until a request is accepted again.', required: true, schema: { type: 'integer' } } },
      },
    },
    schemas,
  },
};
