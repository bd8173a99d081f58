import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
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
}

/** Builds the HTTP app (GraphQL and REST) without binding a port; server.ts listens. */
export async function createApp(config: AppConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel ?? 'info', redact: ['req.headers["x-api-key"]'] },
    bodyLimit: config.bodyLimit ?? 1024 * 1024,
    // Clients retry on their own; an id per request ties the logs of one together.
    requestIdHeader: 'x-request-id',
  });
  await app.register(cors, { origin: config.corsOrigins && config.corsOrigins.length > 0 ? config.corsOrigins : false });

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
  app.get('/health', async () => ({ status: 'ok' }));
  // Unknown paths answer in the REST error envelope, which existing REST clients parse.
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(404, `The requested URL ${request.method} ${request.url.split('?')[0]} was not found on the server.`)),
  );
  return app;
}
