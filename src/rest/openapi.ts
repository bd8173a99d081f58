import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { type TSchema, Type } from 'typebox';
import { kindDescription } from '../domain/listFilter.ts';
import {
  CASE_STATE,
  DEFAULT_PAGE_SIZE,
  MAX_BULK_REGISTRATIONS,
  MAX_FILTER_DEPTH,
  MAX_FILTER_TERMS,
  MAX_FILTER_VALUES,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_PAGE_SIZE,
  PAYMENT_STATUS,
} from '../domain/vocabulary.ts';
import { MAX_PATH_SEGMENT_LENGTH } from '../http/transport.ts';
import { stringifyDocument } from './decimalJson.ts';
import { INSERTION_FAILURE } from './envelope.ts';
import { CASE_LIST, type ListSpec, MAX_PAGE, PAYMENT_LIST } from './listQuery.ts';
import {
  BulkError,
  Case,
  CaseList,
  DOCUMENT_SCHEMAS,
  ErrorBody,
  Home,
  Payment,
  PaymentCreated,
  PaymentList,
  PaymentRegistration,
  PaymentsCreated,
  refTo,
} from './schemas.ts';

/**
 * The OpenAPI 3.1 document of the REST API, served at /openapi.json, is made by @fastify/swagger
 * from the route schemas below and the document schemas of schemas.ts. The schemas describe;
 * they do not check: validation is the domain's (its 422 `_issues`, the list queries' 400
 * messages), and answers are written by JSON.stringify as before. test/rest/openapi.test.ts
 * validates the document and checks every real response against it.
 */
export async function describeRestApi(app: FastifyInstance): Promise<void> {
  for (const schema of DOCUMENT_SCHEMAS) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Creditor payments REST API',
        version: '1.0.0',
        description:
          'Register payments that debtors made straight to the creditor, and read them and the cases back. Compatible with the `creditor--payments` resource of the system it mirrors (Eve-style envelopes).',
      },
      security: [{ apiKey: [] }],
      components: {
        securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The API key of your account.' } },
      },
    },
    // Components are named by their $id ("Payment"), not numbered.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (documents) => withRequiredHeaders(('openapiObject' in documents ? documents.openapiObject : {}) as OpenAPIV3_1.Document),
  });
  // The domain validates: Fastify's Ajv would strip unknown keys and coerce types before the domain
  // could name them in `_issues`. Answers are written as built (a compiled serializer orders keys
  // by the schema and drops what it does not list), amounts as exact number text (`100.0`).
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => stringifyDocument);
}

/** The document as served; built once, after the routes are registered. */
export function restApiDocument(app: FastifyInstance): OpenAPIV3_1.Document {
  return app.swagger() as OpenAPIV3_1.Document;
}

/** Every header this API documents on a response is always sent; @fastify/swagger has no field for that. */
function withRequiredHeaders(document: OpenAPIV3_1.Document): OpenAPIV3_1.Document {
  for (const path of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(path ?? {})) {
      for (const response of Object.values((operation as OpenAPIV3_1.OperationObject).responses ?? {})) {
        for (const header of Object.values((response as OpenAPIV3_1.ResponseObject).headers ?? {})) {
          // Marked in its schema: sent for one document only (a bulk insert's answer has no Location).
          const schema = (header as OpenAPIV3_1.HeaderObject).schema as { [ONE_DOCUMENT_ONLY]?: boolean } | undefined;
          (header as OpenAPIV3_1.HeaderObject).required = !schema?.[ONE_DOCUMENT_ONLY];
          if (schema) delete schema[ONE_DOCUMENT_ONLY];
        }
      }
    }
  }
  return document;
}

// --- pieces the operations share ---

/** A request part the schema describes and the domain checks: the handler gets it unchecked. */
const described = (schema: TSchema) => Type.Unsafe<Record<string, unknown>>(schema);
const unchecked = (schema: TSchema) => Type.Unsafe<unknown>(schema);
const Optional = Type.Optional;

const failure = (description: string) => refTo(ErrorBody, { description });
const ONE_DOCUMENT_ONLY = 'x-one-document-only';
const location = {
  Location: Type.String({ description: 'The payment: /creditor--payments/{id}. Not sent for a bulk insert.', [ONE_DOCUMENT_ONLY]: true }),
};
const etag = { ETag: Type.String({ description: 'The quoted `_etag` of the document.' }) };
const tooManyRequests = refTo(ErrorBody, {
  description: 'Over the rate limit of requests per minute for this API key (per client address without one), when the server sets one.',
  headers: { 'Retry-After': Type.Integer({ description: 'Seconds until a request is accepted again.' }) },
});
const badRequest = failure('Malformed JSON body, or a bad where, sort, page or max_results.');
const unauthorized = failure('No or bad x-api-key.');
const notFound = failure('No such document in your account.');
const uriTooLong = failure(`A path segment (the id) is over ${MAX_PATH_SEGMENT_LENGTH} characters.`);

const fieldList = (fields: string[]) => fields.map((field) => `\`${field}\``).join(', ');

/** The query of a list: `where` and `sort` name exactly the fields the list's spec (listQuery.ts) takes. */
function listQuery(spec: ListSpec<unknown>, whereExample: string, sortExample: string) {
  const fields = Object.entries(spec.whereFields)
    .map(([name, { field }]) => `\`${name}\` (${kindDescription(field.kind)}${field.nullable ? ', or null' : ''})`)
    .join(', ');
  return described(
    Type.Object({
      where: Optional(
        Type.String({
          description:
            `A JSON object of conditions, all of which must hold (Eve's Mongo syntax). A field's value is the value it must equal, or an object of operators \`$eq\`, \`$ne\`, \`$gt\`, \`$gte\`, \`$lt\`, \`$lte\`, \`$in\`, \`$nin\` (the last two take an array of at most ${MAX_FILTER_VALUES} values); \`$and\` and \`$or\` take an array of such objects and nest at most ${MAX_FILTER_DEPTH} deep, with at most ${MAX_FILTER_TERMS} conditions in all. ` +
            `A plain date (\`2025-07-04\`) as \`$lte\` or \`$gt\` stands for the end of that day. The fields: ${fields}. Anything else is 400.`,
          examples: [whereExample],
        }),
      ),
      sort: Optional(
        Type.String({
          default: spec.defaultSort,
          description: `Comma-separated fields, \`-\` for descending, or Eve's list of tuples (\`[("amount", -1), ("_created", 1)]\`, direction 1 or -1): ${fieldList(Object.keys(spec.sortFields))}.`,
          examples: [sortExample],
        }),
      ),
      page: Optional(
        Type.String({
          default: '1',
          description: `The page, read as Eve reads it: an integer's absolute value (\`-2\` is page 2); 0 or anything that is not an integer is page 1. At most ${MAX_PAGE}.`,
          examples: ['2'],
        }),
      ),
      max_results: Optional(
        Type.String({
          default: String(DEFAULT_PAGE_SIZE),
          description: `Page size, read as Eve reads it: a number, its fraction dropped (\`10.5\` is 10); 0, a negative number or anything that is not a number is the default ${DEFAULT_PAGE_SIZE}; more than ${MAX_PAGE_SIZE} is taken as ${MAX_PAGE_SIZE}.`,
          examples: ['50'],
        }),
      ),
    }),
  );
}

const item = Type.Object({ id: Type.String({ description: 'The `_id`.' }) });
const conditional = described(
  Type.Object({
    'If-None-Match': Optional(Type.String({ description: 'The ETag you hold: 304 without a body when it is still current.' })),
    'If-Modified-Since': Optional(
      Type.String({ description: 'An RFC 1123 date: 304 without a body when the document did not change after it. With If-None-Match, both must hold.' }),
    ),
  }),
);
const lastModified = { 'Last-Modified': Type.String({ description: 'When the document last changed (`_updated`), RFC 1123.' }) };
const notModified = {
  description: 'The client holds this version already (If-None-Match, If-Modified-Since).',
  type: 'null',
  headers: { ...etag, ...lastModified },
} as const;

/** GET of one document of the account by id, with its ETag (304 when the client holds it). */
function getOperation<Document extends TSchema>(operationId: string, summary: string, document: Document, description: string) {
  return {
    operationId,
    summary,
    params: item,
    headers: conditional,
    response: {
      200: refTo(document, { description, headers: { ...etag, ...lastModified } }),
      304: notModified,
      401: unauthorized,
      404: notFound,
      414: uriTooLong,
      429: tooManyRequests,
    },
  } satisfies FastifySchema;
}

/** GET of one page of the account's documents. */
function listOperation<Query extends TSchema, List extends TSchema>(operationId: string, summary: string, querystring: Query, list: List) {
  return {
    operationId,
    summary,
    querystring,
    response: { 200: refTo(list, { description: 'One page.' }), 400: badRequest, 401: unauthorized, 429: tooManyRequests },
  } satisfies FastifySchema;
}

// --- the operations ---

export const registerPaymentSchema = {
  operationId: 'registerPayment',
  summary: 'Register a payment, or many at once',
  description: `Applies the payment to its case (costs, then interest, then capital). Sending a registration that was stored before (same \`creditor_payment_reference\`, or same \`Idempotency-Key\` without one) answers 200 with the original body and changes nothing.

A JSON array of up to ${MAX_BULK_REGISTRATIONS} payments is a bulk insert, as Eve takes it: every payment is checked, and only when all pass are they stored, in one transaction, applied in the order sent; the answer's \`_items\` has one entry per payment, in that order. A reference sent twice in one array is a replay of the first when the content is the same, a conflict otherwise. When any fails, nothing is stored and the answer is 422 with each payment's \`_status\` (and \`_issues\` for those that failed). An array of one answers as that payment alone; an empty array is 400. The \`Idempotency-Key\` header identifies one payment and is refused with an array of more.`,
  headers: described(
    Type.Object({
      'Idempotency-Key': Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
          description: 'Makes a registration without a `creditor_payment_reference` safe to retry.',
        }),
      ),
    }),
  ),
  body: unchecked(Type.Union([refTo(PaymentRegistration), Type.Array(refTo(PaymentRegistration), { minItems: 1, maxItems: MAX_BULK_REGISTRATIONS })])),
  response: {
    201: Type.Union([refTo(PaymentCreated), refTo(PaymentsCreated)], { description: 'Registered (a bulk insert: all of it).', headers: location }),
    200: Type.Union([refTo(PaymentCreated), refTo(PaymentsCreated)], {
      description: 'A replay of a stored registration (a bulk insert: of every payment in it): the original body, nothing changed.',
      headers: location,
    }),
    400: failure('Malformed JSON body, a body that is neither a payment nor an array of payments, an empty array, or an Idempotency-Key with a bulk insert.'),
    401: unauthorized,
    409: failure('The reference (or Idempotency-Key) was used before for a registration with other content; nothing stored.'),
    413: failure(`The body is larger than the server accepts, or a bulk insert of more than ${MAX_BULK_REGISTRATIONS} payments; nothing stored.`),
    415: failure('The body is not application/json.'),
    422: Type.Union([refTo(ErrorBody), refTo(BulkError)], {
      description: `Validation failed; nothing stored. \`_error.message\` is "${INSERTION_FAILURE}" (a bulk insert: "N document(s)"), \`_issues\` names each field; a reference conflict beside other failures is one of them.`,
    }),
    503: failure(
      'The database connection was lost while the payment was being stored and whether it was stored is unknown. Sending it again with the same creditor_payment_reference or Idempotency-Key is safe: a stored payment is returned as a replay.',
    ),
    429: tooManyRequests,
  },
} satisfies FastifySchema;

export const listPaymentsSchema = listOperation(
  'listPayments',
  "List your account's payments",
  listQuery(PAYMENT_LIST, `{"status": "${PAYMENT_STATUS.warning}", "amount": {"$gte": 100.0}}`, 'bank_transaction_date,-amount'),
  PaymentList,
);

export const getPaymentSchema = getOperation('getPayment', 'Get a payment', Payment, 'The payment.');

export const listCasesSchema = listOperation(
  'listCases',
  "List your account's cases",
  listQuery(CASE_LIST, `{"state": "${CASE_STATE.OPEN}"}`, '-_updated'),
  CaseList,
);

export const getCaseSchema = getOperation('getCase', 'Get a case', Case, 'The case.');

export const homeSchema = {
  operationId: 'getHome',
  summary: 'The API root: a link to each resource',
  response: { 200: refTo(Home, { description: "Eve's home document." }), 401: unauthorized, 429: tooManyRequests },
} satisfies FastifySchema;

/** OPTIONS of a path: the methods it answers, without a key. */
export function optionsSchema(operationId: string, allow: string) {
  return {
    operationId,
    summary: 'The methods this path answers',
    security: [],
    response: {
      200: { description: `No body; \`Allow: ${allow}\`.`, type: 'null', headers: { Allow: Type.String({ description: 'The methods.' }) } },
      429: tooManyRequests,
    },
  } satisfies FastifySchema;
}

export const openApiDocumentSchema = {
  operationId: 'getOpenApiDocument',
  summary: 'This document',
  security: [],
  response: { 200: { description: 'OpenAPI 3.1.', type: 'object' }, 429: tooManyRequests },
} satisfies FastifySchema;
