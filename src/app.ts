import cors from '@fastify/cors';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory } from 'fastify';
import type { Db } from './db/client.ts';
import { createGraphQL } from './graphql/yoga.ts';
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
  batchLoads?: boolean;
  graphiqlApiKey?: string;
  /** True once the process is draining (server.ts sets it on SIGTERM): /ready then answers 503. */
  shuttingDown?: () => boolean;
  /** Hands Fastify a server bound beforehand (server.ts); without it Fastify makes its own. */
  serverFactory?: FastifyServerFactory;
}

/** How long /ready waits for the database before it answers 503. */
const READY_TIMEOUT_MS = 2000;

/** Builds the HTTP app (GraphQL and REST) without binding a port; server.ts listens. */
export async function createApp(config: AppConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel ?? 'info', redact: ['req.headers["x-api-key"]'] },
    bodyLimit: config.bodyLimit ?? 1024 * 1024,
    // Clients retry on their own; an id per request ties the logs of one together.
    requestIdHeader: 'x-request-id',
    serverFactory: config.serverFactory,
  });
  await app.register(cors, { origin: config.corsOrigins && config.corsOrigins.length > 0 ? config.corsOrigins : false });

  // Failures Fastify raises itself on /graphql (a body over the limit, JSON that does not parse)
  // answer in GraphQL's error shape; REST routes have their own handler (src/rest/routes.ts).
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    const message = status === 500 ? 'Unexpected error.' : error.message;
    return reply.code(status).send({ errors: [{ message, extensions: { code: error.code ?? 'BAD_REQUEST', http: { status } } }] });
  });

  const yoga = createGraphQL({
    db: config.db,
    logger: app.log as never,
    batchLoads: config.batchLoads,
    graphiqlApiKey: config.graphiqlApiKey,
  });
  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: (req: FastifyRequest, reply: FastifyReply) => yoga.handleNodeRequestAndResponse(req, reply, { req, reply }),
  });
  await app.register(restRoutes, { db: config.db });
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
  // Unknown paths answer in the REST error envelope, which existing REST clients parse.
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(404, `The requested URL ${request.method} ${request.url.split('?')[0]} was not found on the server.`)),
  );
  return app;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
