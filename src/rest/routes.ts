import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { authenticate } from '../auth/apiKeys.ts';
import type { Case, Db } from '../db/client.ts';
import { findCase, findCases, listCasesByPage } from '../domain/cases.ts';
import { formatRfc1123, readDate } from '../domain/dates.ts';
import { InvalidArgumentError, OutcomeUnknownError } from '../domain/errors.ts';
import { isId } from '../domain/ids.ts';
import { RefusedFilterError } from '../domain/listFilter.ts';
import { findPayment, listPaymentsByPage, registerPayment } from '../domain/payments.ts';
import { isJsonObject } from '../http/jsonBody.ts';
import type { RegistrationObserver } from '../observability/metrics.ts';
import { sendBulkRegistration } from './bulk.ts';
import { stringifyDocument } from './decimalJson.ts';
import { CASES, caseDocument, createdPaymentDocument, itemLinks, PAYMENTS, paymentDocument, registrationFromRest } from './documentMapping.ts';
import { errorBody, INSERTION_FAILURE, listEnvelope } from './envelope.ts';
import { fileImportRoutes } from './fileImports.ts';
import { BadQueryError, CASE_LIST, PAYMENT_LIST, parseListQuery } from './listQuery.ts';
import {
  describeRestApi,
  getCaseSchema,
  getPaymentSchema,
  homeSchema,
  listCasesSchema,
  listPaymentsSchema,
  openApiDocumentSchema,
  optionsSchema,
  registerPaymentSchema,
  restApiDocument,
} from './openapi.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that only answers 405: not an operation of the OpenAPI document. */
    methodNotAllowed?: boolean;
  }
}

export interface RestOptions {
  db: Db;
  /** Told the result of every registration (metrics count them). */
  onRegistered?: RegistrationObserver;
}

export { CASES, PAYMENTS };

/** The methods each path answers (OPTIONS and 405 say so in `Allow`). */
const ALLOWED = {
  home: 'GET, HEAD, OPTIONS',
  collection: 'GET, HEAD, OPTIONS, POST',
  readOnlyCollection: 'GET, HEAD, OPTIONS',
  item: 'GET, HEAD, OPTIONS',
} as const;

/**
 * The REST face compatible with the seed (Eve-style envelopes): parse, call the domain,
 * shape the answer. Registered encapsulated, so its error handler answers in Eve's
 * envelope for these routes only.
 */
export async function restRoutes(app: FastifyInstance, { db, onRegistered }: RestOptions): Promise<void> {
  // First: the routes below, with their schemas, make the OpenAPI document.
  await describeRestApi(app);
  // Replies without a response schema too (errors, 304): amounts are written one way only.
  app.setReplySerializer(stringifyDocument);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error instanceof BadQueryError || error instanceof InvalidArgumentError || error instanceof RefusedFilterError ? 400 : error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(status, clientErrorMessage(error, status, request)));
    }
    if (error instanceof OutcomeUnknownError) {
      request.log.warn({ err: error }, 'payment registration outcome unknown after a lost database connection');
      return reply.code(503).send(errorBody(503, error.message));
    }
    request.log.error({ err: error }, 'REST request failed');
    return reply.code(500).send(errorBody(500, 'Internal server error'));
  });

  app.get('/openapi.json', { schema: openApiDocumentSchema }, async () => restApiDocument(app));

  // OPTIONS answers without a key, as Eve's does (browsers send it before the real request).
  for (const [url, operationId, allow] of [
    ['/', 'optionsHome', ALLOWED.home],
    [`/${PAYMENTS}`, 'optionsPayments', ALLOWED.collection],
    [`/${PAYMENTS}/:id`, 'optionsPayment', ALLOWED.item],
    [`/${CASES}`, 'optionsCases', ALLOWED.readOnlyCollection],
    [`/${CASES}/:id`, 'optionsCase', ALLOWED.item],
  ] as const) {
    app.options(url, { schema: optionsSchema(operationId, allow) }, async (_, reply) => reply.code(200).header('allow', allow).send());
  }

  await app.register(async (plugin) => {
    // Each reply is type-checked against its status's response schema.
    const api = plugin.withTypeProvider<TypeBoxTypeProvider>();
    // The caller's account, for every route below; the same check as GraphQL's.
    const accountOf = new WeakMap<FastifyRequest, string>();
    const account = (request: FastifyRequest): string => {
      const id = accountOf.get(request);
      if (id === undefined) throw new Error('request was not authenticated');
      return id;
    };
    // onRequest: an unauthenticated request is refused before its body is read.
    api.addHook('onRequest', async (request, reply) => {
      const caller = await authenticate(db, headerValue(request, 'x-api-key'));
      if (!caller) {
        reply.code(401).header('www-authenticate', 'ApiKey header="x-api-key"');
        return reply.send(errorBody(401, 'Please provide a valid API key in the x-api-key header.'));
      }
      accountOf.set(request, caller.accountId);
    });

    // Eve's home document: a link to each resource.
    api.get('/', { schema: homeSchema }, async () => ({
      _links: { child: [PAYMENTS, CASES].map((resource) => ({ href: resource, title: resource })) },
    }));

    api.post(`/${PAYMENTS}`, { schema: registerPaymentSchema }, async (request, reply) => {
      // Eve answers an array of one as that document alone.
      const body = Array.isArray(request.body) && request.body.length === 1 && isJsonObject(request.body[0]) ? request.body[0] : request.body;
      if (Array.isArray(body)) {
        const bulk = { db, accountId: account(request), body, idempotencyKey: headerValue(request, 'idempotency-key'), onRegistered };
        return sendBulkRegistration(reply, bulk);
      }
      if (!isJsonObject(body)) {
        return reply.code(400).send(errorBody(400, 'The request body must be a JSON object holding the payment (Content-Type: application/json).'));
      }
      const registration = registrationFromRest(body as Record<string, unknown>);
      const accountId = account(request);
      const result = await registerPayment(db, accountId, registration.input, {
        idempotencyKey: headerValue(request, 'idempotency-key'),
      });
      onRegistered?.(result);
      if (!result.ok) {
        const issues = registration.issuesOf(result.errors);
        // A conflict alone is 409; beside other failures it is one of the 422's issues.
        const conflict = result.errors.every((e) => e.code === 'CONFLICT');
        if (!conflict) return reply.code(422).send(errorBody(422, INSERTION_FAILURE, issues));
        const conflicts = registration.issuesOf(result.errors.filter((e) => e.code === 'CONFLICT'));
        return reply.code(409).send(errorBody(409, Object.values(conflicts).flat().join('; '), issues));
      }
      // A replay answers with the original body and changes nothing.
      return reply
        .code(result.replayed ? 200 : 201)
        .header('location', `/${PAYMENTS}/${result.payment.id}`)
        .send(createdPaymentDocument(result.payment, result.case));
    });

    api.get(`/${PAYMENTS}`, { schema: listPaymentsSchema }, async (request) => {
      const accountId = account(request);
      const query = parseListQuery(PAYMENT_LIST, request.query);
      const { items, total } = await listPaymentsByPage(db, accountId, query.filter, {
        page: query.page,
        perPage: query.maxResults,
        orderBy: query.orderBy,
      });
      // The page's cases in one query, whatever the page size.
      const caseIds = [...new Set(items.map((p) => p.caseId))];
      const cases = await findCases(db, accountId, caseIds);
      const caseById = new Map(cases.map((c) => [c.id, c]));
      const documents = items.map((p) => paymentDocument(p, storedPaymentCase(caseById.get(p.caseId), p.caseId)));
      return listEnvelope(PAYMENTS, documents, { page: query.page, maxResults: query.maxResults, total }, query.carried);
    });

    api.get(`/${PAYMENTS}/:id`, { schema: getPaymentSchema }, async (request, reply) => {
      const accountId = account(request);
      const { id } = request.params;
      const payment = isId(id) ? await findPayment(db, accountId, id) : null;
      if (!payment) return notFound(reply, 'creditor payment', id);
      const theCase = await caseOf(db, accountId, payment.caseId);
      const document = { ...paymentDocument(payment, theCase), _links: itemLinks(PAYMENTS, payment.id) };
      return sendItem(request, reply, { etag: payment.etag, updatedAt: payment.updatedAt }, document);
    });

    api.get(`/${CASES}`, { schema: listCasesSchema }, async (request) => {
      const query = parseListQuery(CASE_LIST, request.query);
      const { items, total } = await listCasesByPage(db, account(request), query.filter, {
        page: query.page,
        perPage: query.maxResults,
        orderBy: query.orderBy,
      });
      return listEnvelope(CASES, items.map(caseDocument), { page: query.page, maxResults: query.maxResults, total }, query.carried);
    });

    api.get(`/${CASES}/:id`, { schema: getCaseSchema }, async (request, reply) => {
      const { id } = request.params;
      const theCase = isId(id) ? await findCase(db, account(request), id) : null;
      if (!theCase) return notFound(reply, 'case', id);
      const document = { ...caseDocument(theCase), _links: itemLinks(CASES, theCase.id) };
      return sendItem(request, reply, { etag: document._etag, updatedAt: theCase.updatedAt }, document);
    });

    // The ledger is append-only and cases are the agency's: say so instead of a bare 404.
    const notAllowed = (allow: string) => async (_: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(405)
        .header('allow', allow)
        .send(errorBody(405, `The method is not allowed for the requested URL; allowed: ${allow}`));
    const refuse = (url: string, method: HTTPMethods[], allow: string) =>
      api.route({ method, url, handler: notAllowed(allow), config: { methodNotAllowed: true }, schema: { hide: true } });
    refuse(`/${PAYMENTS}`, ['PUT', 'PATCH', 'DELETE'], ALLOWED.collection);
    refuse(`/${PAYMENTS}/:id`, ['POST', 'PUT', 'PATCH', 'DELETE'], ALLOWED.item);
    refuse(`/${CASES}`, ['POST', 'PUT', 'PATCH', 'DELETE'], ALLOWED.readOnlyCollection);
    refuse(`/${CASES}/:id`, ['POST', 'PUT', 'PATCH', 'DELETE'], ALLOWED.item);
  });

  // The file imports' routes, here so the OpenAPI document describes them too.
  await app.register(fileImportRoutes, { db });
}

function headerValue(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

function clientErrorMessage(error: FastifyError, status: number, request: FastifyRequest): string {
  // Fastify hides the parser's detail (a syntax error, or a forbidden __proto__ key) behind this code.
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'Malformed JSON body: the request body is not valid JSON.';
  if (status === 413) return `Request body is too large: at most ${request.routeOptions.bodyLimit} bytes are accepted`;
  if (status === 415) return 'Unsupported Media Type: send the body as application/json';
  return error.message;
}

async function caseOf(db: Db, accountId: string, caseId: string): Promise<Case> {
  return storedPaymentCase(await findCase(db, accountId, caseId), caseId);
}

/** A payment's case is in the payment's account; a miss is a bug, not "not found". */
function storedPaymentCase(theCase: Case | undefined | null, caseId: string): Case {
  if (!theCase) throw new Error(`case ${caseId} of a stored payment is missing`);
  return theCase;
}

function notFound(reply: FastifyReply, what: string, id: string) {
  // Unknown and other accounts' ids get the same answer: no probing of other tenants.
  return reply.code(404).send(errorBody(404, `No ${what} with id ${JSON.stringify(id)} was found.`));
}

/**
 * An item with its ETag and Last-Modified. As Eve: 304 and no body when every validator the
 * client sent holds (If-None-Match names this version; If-Modified-Since is not before its
 * last change, compared in whole seconds as the header has no finer ones).
 */
function sendItem(request: FastifyRequest, reply: FastifyReply, version: { etag: string; updatedAt: Date }, document: object) {
  reply.header('etag', `"${version.etag}"`).header('last-modified', formatRfc1123(version.updatedAt));
  const validators: boolean[] = [];
  const ifNoneMatch = headerValue(request, 'if-none-match');
  if (ifNoneMatch) validators.push(matchesEtag(ifNoneMatch, version.etag));
  // An unreadable date is ignored, as HTTP asks.
  const since = readDate(headerValue(request, 'if-modified-since'))?.date;
  if (since) validators.push(Math.floor(version.updatedAt.getTime() / 1000) * 1000 <= since.getTime());
  if (validators.length > 0 && validators.every(Boolean)) return reply.code(304).send();
  return reply.send(document);
}

export function matchesEtag(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) =>
      tag
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .some((tag) => tag === '*' || tag === etag);
}
