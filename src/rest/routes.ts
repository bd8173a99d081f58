import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { authenticate } from '../auth/apiKeys.ts';
import type { Case, Db } from '../db/client.ts';
import { findCase, findCases, listCasesByPage } from '../domain/cases.ts';
import { InvalidArgumentError, OutcomeUnknownError } from '../domain/errors.ts';
import { isId } from '../domain/ids.ts';
import { findPayment, listPaymentsByPage, registerPayment } from '../domain/payments.ts';
import type { RegistrationObserver } from '../observability/metrics.ts';
import { caseDocument, createdPaymentDocument, paymentDocument, registrationFromRest } from './documentMapping.ts';
import { errorBody, INSERTION_FAILURE, listEnvelope } from './envelope.ts';
import { BadQueryError, CASE_LIST, PAYMENT_LIST, parseListQuery } from './listQuery.ts';
import {
  describeRestApi,
  getCaseSchema,
  getPaymentSchema,
  listCasesSchema,
  listPaymentsSchema,
  openApiDocumentSchema,
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

/** The seed's resource names; hrefs and the Location header are built from them. */
export const PAYMENTS = 'creditor--payments';
export const CASES = 'cases';

/**
 * The REST face compatible with the seed (Eve-style envelopes): parse, call the domain,
 * shape the answer. Registered encapsulated, so its error handler answers in Eve's
 * envelope for these routes only.
 */
export async function restRoutes(app: FastifyInstance, { db, onRegistered }: RestOptions): Promise<void> {
  // First: the routes below, with their schemas, make the OpenAPI document.
  await describeRestApi(app);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error instanceof BadQueryError || error instanceof InvalidArgumentError ? 400 : error.statusCode;
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

    api.post(`/${PAYMENTS}`, { schema: registerPaymentSchema }, async (request, reply) => {
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
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
        const conflict = result.errors.some((e) => e.code === 'CONFLICT');
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
      return sendItem(request, reply, payment.etag, paymentDocument(payment, theCase));
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
      const document = caseDocument(theCase);
      return sendItem(request, reply, document._etag, document);
    });

    // The ledger is append-only and cases are the agency's: say so instead of a bare 404.
    const notAllowed = (allow: string) => async (_: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(405)
        .header('allow', allow)
        .send(errorBody(405, `The method is not allowed for the requested URL; allowed: ${allow}`));
    const refuse = (url: string, method: HTTPMethods[], allow: string) =>
      api.route({ method, url, handler: notAllowed(allow), config: { methodNotAllowed: true }, schema: { hide: true } });
    refuse(`/${PAYMENTS}`, ['PUT', 'PATCH', 'DELETE'], 'GET, HEAD, POST');
    refuse(`/${PAYMENTS}/:id`, ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET, HEAD');
    refuse(`/${CASES}`, ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET, HEAD');
    refuse(`/${CASES}/:id`, ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET, HEAD');
  });
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

/** An item with its ETag; a client that already holds this version gets 304 and no body. */
function sendItem(request: FastifyRequest, reply: FastifyReply, etag: string, document: object) {
  reply.header('etag', `"${etag}"`);
  if (matchesEtag(headerValue(request, 'if-none-match'), etag)) return reply.code(304).send();
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
