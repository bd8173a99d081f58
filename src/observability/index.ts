import type { Span } from '@opentelemetry/api';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DocumentNode, getOperationAST, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Pool } from 'pg';
import { CASES, PAYMENTS } from '../rest/routes.ts';
import { REQUEST_ID_HEADER, runWithRequestLog } from './logging.ts';
import { AppMetrics, type Face, type RegistrationObserver } from './metrics.ts';
import { createTracing, type TracingConfig } from './tracing.ts';

export { inRequestLogScope, loggingOptions, requestLog, yogaLogger } from './logging.ts';
export type { RegistrationObserver } from './metrics.ts';
export type { TracingConfig } from './tracing.ts';

export interface ObservabilityConfig {
  /** Serve Prometheus text at /metrics (default true). */
  metrics?: boolean;
  /** OpenTelemetry traces; off unless an exporter is configured. */
  tracing?: TracingConfig;
  /** The PostgreSQL pool, whose use is exported as gauges (none on SQLite). */
  pool?: Pool;
}

export interface Observability {
  /** Yoga plugins: the operation name into logs, and metrics and traces when they are on. */
  graphqlPlugins: Plugin[];
  /** Counts registrations of one face; undefined when metrics are off. */
  registrationObserver(face: Face): RegistrationObserver | undefined;
  /** Runs Yoga for this request with the request's logger in scope (Yoga's own lines and maskError's). */
  runGraphQL<T>(request: FastifyRequest, run: () => T): T;
}

/** What is learnt about one request while it is handled, for its log lines, metrics and span. */
interface RequestObservation {
  /** The request's logger, replaced by a child carrying the GraphQL operation once it is parsed. */
  logScope: { log: FastifyBaseLogger };
  /** GraphQL operation name; '' for an anonymous operation; undefined until a document is parsed. */
  operation?: string;
  /** A GraphQL result held errors (Yoga answers some of those with 200). */
  graphqlErrors: boolean;
  span?: Span;
}

const GRAPHQL_ROUTE = '/graphql';
const REST_PREFIXES = [`/${PAYMENTS}`, `/${CASES}`];
/** Longest operation name written to a log line; names are client-chosen. */
const MAX_LOGGED_NAME = 128;

/**
 * Request ids, the GraphQL operation in log lines, metrics (/metrics) and traces for one app.
 * Hooks on the root instance, so they see every route, REST's encapsulated ones included.
 */
export async function observe(app: FastifyInstance, config: ObservabilityConfig): Promise<Observability> {
  const metrics = config.metrics === false ? null : new AppMetrics(config.pool);
  const tracing = await createTracing(config.tracing);
  const observations = new WeakMap<FastifyRequest, RequestObservation>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    observations.set(request, {
      logScope: { log: request.log },
      graphqlErrors: false,
      span: tracing?.startRequest(request.method, request.url.split('?')[0] ?? request.url, request.headers),
    });
  });

  if (metrics || tracing) {
    app.addHook('onResponse', async (request, reply) => {
      const observation = observations.get(request);
      const route = request.routeOptions.url;
      const face = faceOf(route);
      const status = reply.statusCode;
      if (metrics) {
        const operation =
          face === 'graphql'
            ? observation?.operation === undefined
              ? 'none'
              : metrics.operationLabel(observation.operation)
            : route
              ? `${request.method} ${route}`
              : 'unmatched';
        const outcome = face === 'graphql' && observation?.graphqlErrors && status < 400 ? 'error' : `${Math.floor(status / 100)}xx`;
        metrics.observeRequest({ face, operation, outcome }, reply.elapsedTime / 1000);
      }
      if (tracing && observation?.span) tracing.endRequest(observation.span, request.method, route, status, observation.operation || undefined);
    });
  }
  if (tracing) {
    app.addHook('onRequestAbort', async (request) => {
      observations.get(request)?.span?.end();
    });
    app.addHook('onClose', async () => tracing.shutdown());
  }

  if (metrics) {
    // Operators scrape it: no API key. METRICS=false turns it off where it must not be public.
    // Scrapes every few seconds would fill the info log: their request lines are kept for warn and above.
    app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => reply.type(metrics.contentType).send(await metrics.exposition()));
  }

  const observationOf = (context: unknown): RequestObservation | undefined => {
    const request = (context as { req?: FastifyRequest } | undefined)?.req;
    return request ? observations.get(request) : undefined;
  };

  const operationIntoLogs: Plugin = {
    onParse() {
      return ({ result, context }) => {
        const observation = observationOf(context);
        if (!observation || !isDocument(result)) return;
        const params = (context as { params?: { operationName?: string } }).params;
        const name = getOperationAST(result, params?.operationName)?.name?.value ?? '';
        observation.operation = name;
        // Every later line of this request, Fastify's "request completed" included, names the operation.
        const log = observation.logScope.log.child({ operationName: name.slice(0, MAX_LOGGED_NAME) || 'anonymous' });
        observation.logScope.log = log;
        const { req, reply } = context as unknown as { req: FastifyRequest; reply: FastifyReply };
        req.log = log;
        reply.log = log;
      };
    },
    // Every answer, a document that did not parse included (Yoga answers those with 200 to a JSON client).
    onResultProcess({ result, serverContext }) {
      const observation = observationOf(serverContext);
      const results = Array.isArray(result) ? result : [result];
      if (observation && results.some((r) => 'errors' in r && r.errors?.length)) observation.graphqlErrors = true;
    },
  };

  return {
    graphqlPlugins: [
      operationIntoLogs,
      ...(metrics ? [metrics.graphqlPlugin()] : []),
      ...(tracing ? tracing.graphqlPlugin((context) => observationOf(context)?.span) : []),
    ],
    registrationObserver: (face) => metrics?.registrationObserver(face),
    runGraphQL: (request, run) => {
      const observation = observations.get(request);
      return observation ? runWithRequestLog(observation.logScope, run) : run();
    },
  };
}

function faceOf(route: string | undefined): Face | 'other' {
  if (route === GRAPHQL_ROUTE) return 'graphql';
  if (route && REST_PREFIXES.some((prefix) => route === prefix || route.startsWith(`${prefix}/`))) return 'rest';
  return 'other';
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === Kind.DOCUMENT;
}
