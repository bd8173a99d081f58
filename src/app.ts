import compress from '@fastify/compress';
import cors from '@fastify/cors';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory } from 'fastify';
import type { DestinationStream } from 'pino';
import { keepVerifiedKeys } from './auth/verifiedKeys.ts';
import { type Db, poolOf } from './db/client.ts';
import { closeEventBus } from './events/index.ts';
import type { LoaderFactory } from './graphql/loaders.ts';
import { schema } from './graphql/schema.ts';
import type { TrustedDocuments } from './graphql/trustedDocuments.ts';
import { createGraphQL } from './graphql/yoga.ts';
import { graphiqlPage } from './http/graphiql.ts';
import { holdsExactNumber, resolveExactNumbers } from './http/graphqlNumbers.ts';
import { serveGraphQLOverWebSocket } from './http/graphqlWebSocket.ts';
import { type RunningHandlers, trackHandlers } from './http/handlers.ts';
import { registerExactJsonParser } from './http/jsonBody.ts';
import { limitRequestRate } from './http/rateLimit.ts';
import { answerClientError, MAX_PATH_SEGMENT_LENGTH, type Timeouts, timeoutOptions } from './http/transport.ts';
import { loggingOptions, observe, type TracingConfig } from './observability/index.ts';
import { errorBody } from './rest/envelope.ts';
import { restRoutes } from './rest/routes.ts';

export interface AppConfig {
  db: Db;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  logLevel?: string;
  /** Origins allowed to call the API from a browser; none unless configured. */
  corsOrigins?: string[];
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Builds each GraphQL request's loaders (default: the batched ones); the benchmark injects its naive variant. */
  createLoaders?: LoaderFactory;
  graphiqlApiKey?: string;
  /** Run the frontends' operations by hash, and only those when so configured (src/graphql/trustedDocuments.ts). */
  trustedDocuments?: TrustedDocuments;
  /** Where log lines go (default stdout). */
  logStream?: DestinationStream;
  /** Serve Prometheus text at /metrics, without an API key (default true). */
  metrics?: boolean;
  /** OpenTelemetry traces; off unless an OTLP endpoint (or an exporter) is given. */
  tracing?: TracingConfig;
  /** Deadlines for slow or silent clients, in ms; defaults in src/http/transport.ts (DEFAULT_TIMEOUTS). */
  timeouts?: Timeouts;
  /** Requests per API key (per client address without one) per minute; 0 or undefined: no limit. */
  rateLimitPerMinute?: number;
  /** True once the process is draining (server.ts sets it on SIGTERM): /ready then answers 503. */
  shuttingDown?: () => boolean;
  /** Hands Fastify a server bound beforehand (server.ts); without it Fastify makes its own. */
  serverFactory?: FastifyServerFactory;
}

/** Longest piece of a client's URL an error message repeats. */
const MAX_ECHOED_URL = 100;
/** How long /ready waits for the database before it answers 503. */
const READY_TIMEOUT_MS = 2000;

/** Builds the HTTP app (GraphQL and REST) without binding a port; server.ts listens. */
export async function createApp(config: AppConfig): Promise<FastifyInstance> {
  const app = Fastify({
    // Clients retry on their own; an id per request (theirs in x-request-id when sane) ties the logs of one together.
    ...loggingOptions({ level: config.logLevel, stream: config.logStream }),
    bodyLimit: config.bodyLimit ?? 1024 * 1024,
    ...timeoutOptions(config.timeouts),
    clientErrorHandler: answerClientError,
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT_LENGTH },
    // The router's own refusals (an id over MAX_PATH_SEGMENT_LENGTH characters, a URL that does not decode) in the
    // face's error shape, without repeating the URL.
    frameworkErrors: (error, request, reply) => {
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : error.code === 'FST_ERR_BAD_URL' ? 400 : 500;
      const message =
        status === 414
          ? `The URL is too long: a path segment is over ${MAX_PATH_SEGMENT_LENGTH} characters.`
          : status === 400
            ? 'The URL is not valid.'
            : 'Unexpected error.';
      return sendFailure(request, reply, status, message, status === 500 ? 'INTERNAL_SERVER_ERROR' : error.code);
    },
    serverFactory: config.serverFactory,
  });
  runningHandlers.set(app, trackHandlers(app));
  const observability = await observe(app, { metrics: config.metrics, tracing: config.tracing, pool: poolOf(config.db) });
  if (config.rateLimitPerMinute) await limitRequestRate(app, config.rateLimitPerMinute);
  await app.register(cors, { origin: config.corsOrigins && config.corsOrigins.length > 0 ? config.corsOrigins : false });
  // REST responses over 1 KB compressed for clients that accept it (long lists, openapi.json).
  await app.register(compress, { global: true });
  registerExactJsonParser(app);

  // Failures Fastify raises itself (a body over the limit, JSON that does not parse, a rate limit)
  // answer in the face's error shape; REST routes have their own handler (src/rest/routes.ts).
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    if (status === 500) return sendFailure(request, reply, 500, 'Unexpected error.', 'INTERNAL_SERVER_ERROR');
    return sendFailure(request, reply, status, error.message, error.code);
  });

  const yoga = createGraphQL({
    db: config.db,
    logger: app.log as never,
    createLoaders: config.createLoaders,
    graphiqlApiKey: config.graphiqlApiKey,
    trustedDocuments: config.trustedDocuments,
    plugins: observability.graphqlPlugins,
    onRegistered: observability.registrationObserver('graphql'),
  });
  const graphiql = graphiqlPage(yoga);
  // Subscriptions over WebSocket on the same port and path; over SSE they are ordinary requests.
  const webSocket = serveGraphQLOverWebSocket(app.server, yoga, config.db);
  // Known keys are not read again while the database tells of every change to them (src/auth/verifiedKeys.ts).
  const keys = keepVerifiedKeys(config.db, (error) => app.log.warn({ err: error }, 'API key changes not heard; keys are read each time until heard again'));
  // Ready with keys remembered from the first request on; a channel slow to open only delays that, not the start.
  await withDeadline(keys.heard(), READY_TIMEOUT_MS).catch(() => undefined);
  const endLive = async () => {
    await webSocket.close();
    await closeEventBus(config.db);
  };
  liveUpdates.set(app, endLive);
  app.addHook('preClose', endLive);
  // Requests still draining keep the known keys; the channel closes with the app.
  app.addHook('onClose', () => keys.release());
  // Multipart bodies are left unread here: Yoga parses GraphQL uploads, @fastify/multipart the REST ones.
  app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null));
  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    // @fastify/compress does not recognise Yoga's Response ponyfill (a 500 for any client that
    // sends Accept-Encoding); GraphiQL's page carries its own compression.
    compress: false,
    handler: (req: FastifyRequest, reply: FastifyReply) => {
      if (graphiql.wanted(req)) return graphiql.send(req, reply);
      // Yoga reads a parsed body only when it is a non-empty object; anything else it parses again
      // as text and answers with the parser's own error attached.
      const body: unknown = req.body;
      // A multipart upload (importPayments) is read by Yoga itself, with its limits (src/graphql/yoga.ts).
      const upload = req.headers['content-type']?.startsWith('multipart/form-data') === true;
      if (req.method === 'POST' && !upload && (typeof body !== 'object' || body === null || Object.keys(body).length === 0)) {
        return graphqlFailure(reply, 400, 'The request body must be a JSON object holding the operation: {"query": "..."}.', 'BAD_REQUEST');
      }
      // Yoga's own JSON.parse of a GET's `variables` or `extensions` throws unmasked: a 500 for a client's typo.
      const unparsable = req.method === 'GET' ? unparsableJsonParam(req.query) : null;
      if (unparsable) return graphqlFailure(reply, 400, `The "${unparsable}" parameter must be JSON.`, 'BAD_REQUEST');
      if (req.method === 'POST' && holdsExactNumber(body)) req.body = resolveExactNumbers(schema, body as Record<string, unknown>);
      return observability.runGraphQL(req, () => yoga.handleNodeRequestAndResponse(req, reply, { req, reply }));
    },
  });
  await app.register(restRoutes, { db: config.db, onRegistered: observability.registrationObserver('rest') });
  // Liveness: the process runs and answers. Readiness: it can serve, so a load balancer may send
  // traffic: the database answers a trivial query in time and the process is not draining.
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (request, reply) => {
    if (config.shuttingDown?.()) return reply.code(503).send({ status: 'shutting down' });
    try {
      await withDeadline(config.db.$queryRaw`SELECT 1`, READY_TIMEOUT_MS);
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'not ready: the database does not answer');
      return reply.code(503).send({ status: 'database unavailable' });
    }
  });
  // Unknown paths answer in the REST error envelope, which existing REST clients parse; under /graphql in GraphQL's.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    if (path === yoga.graphqlEndpoint) {
      reply.header('allow', 'GET, POST, OPTIONS');
      return sendFailure(
        request,
        reply,
        405,
        `The method ${echoed(request.method)} is not allowed on /graphql; use POST (or GET for queries).`,
        'METHOD_NOT_ALLOWED',
      );
    }
    return sendFailure(request, reply, 404, `The requested URL ${echoed(request.method)} ${echoed(path)} was not found on the server.`, 'NOT_FOUND');
  });
  return app;
}

const runningHandlers = new WeakMap<FastifyInstance, RunningHandlers>();

/** The app's route handlers still running, answered or not (a draining server waits for them before it closes the database). */
export function handlersOf(app: FastifyInstance): RunningHandlers {
  return runningHandlers.get(app)!;
}

const liveUpdates = new WeakMap<FastifyInstance, () => Promise<void>>();

/**
 * Ends every live subscription (SSE streams complete, WebSockets close with 1001): a draining
 * server calls it first, as open subscriptions would otherwise hold it up to its deadline.
 */
export async function endLiveUpdates(app: FastifyInstance): Promise<void> {
  await liveUpdates.get(app)?.();
}

/** The first of a GraphQL GET's JSON parameters that does not parse, if any. */
function unparsableJsonParam(query: unknown): string | null {
  for (const name of ['variables', 'extensions'] as const) {
    const value = (query as Record<string, unknown> | undefined)?.[name];
    if (typeof value !== 'string') continue;
    try {
      JSON.parse(value);
    } catch {
      return name;
    }
  }
  return null;
}

function echoed(url: string): string {
  return url.length > MAX_ECHOED_URL ? `${url.slice(0, MAX_ECHOED_URL)}...` : url;
}

/** A failure outside any route's own handling, in the shape of the face the URL belongs to. */
function sendFailure(request: FastifyRequest, reply: FastifyReply, status: number, message: string, code = 'BAD_REQUEST') {
  if (request.url === '/graphql' || request.url.startsWith('/graphql?') || request.url.startsWith('/graphql/')) {
    return graphqlFailure(reply, status, message, code);
  }
  return reply.code(status).send(errorBody(status, message));
}

function graphqlFailure(reply: FastifyReply, status: number, message: string, code: string) {
  return reply.code(status).send({ errors: [{ message, extensions: { code, http: { status } } }] });
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
