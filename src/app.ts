import cors from '@fastify/cors';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import { poolOf, type Db } from './db/client.ts';
import { createGraphQL } from './graphql/yoga.ts';
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
  batchLoads?: boolean;
  graphiqlApiKey?: string;
  /** Where log lines go (default stdout). */
  logStream?: DestinationStream;
  /** Serve Prometheus text at /metrics, without an API key (default true). */
  metrics?: boolean;
  /** OpenTelemetry traces; off unless an OTLP endpoint (or an exporter) is given. */
  tracing?: TracingConfig;
}

/** Builds the HTTP app (GraphQL and REST) without binding a port; server.ts listens. */
export async function createApp(config: AppConfig): Promise<FastifyInstance> {
  const app = Fastify({
    // Clients retry on their own; an id per request (theirs in x-request-id when sane) ties the logs of one together.
    ...loggingOptions({ level: config.logLevel, stream: config.logStream }),
    bodyLimit: config.bodyLimit ?? 1024 * 1024,
  });
  const observability = observe(app, { metrics: config.metrics, tracing: config.tracing, pool: poolOf(config.db) });
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
    plugins: observability.graphqlPlugins,
    onRegistered: observability.registrationObserver('graphql'),
  });
  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: (req: FastifyRequest, reply: FastifyReply) =>
      observability.runGraphQL(req, () => yoga.handleNodeRequestAndResponse(req, reply, { req, reply })),
  });
  await app.register(restRoutes, { db: config.db, onRegistered: observability.registrationObserver('rest') });
  app.get('/health', async () => ({ status: 'ok' }));
  // Unknown paths answer in the REST error envelope, which existing REST clients parse.
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(404, `The requested URL ${request.method} ${request.url.split('?')[0]} was not found on the server.`)),
  );
  return app;
}
