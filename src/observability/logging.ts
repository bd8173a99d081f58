import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { DestinationStream, Logger } from 'pino';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept only when it is short and plain: it lands in every log line and a response header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:+=@/-]{1,128}$/;

/** The caller's `x-request-id` when it is sane, otherwise a new one. */
function requestIdOf(request: IncomingMessage): string {
  const sent = request.headers[REQUEST_ID_HEADER];
  return typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

export interface LoggingConfig {
  level?: string;
  /** Where log lines go (default stdout): tests read them, a deployment may ship them. */
  stream?: DestinationStream;
}

/** Fastify's logger and request-id options: every line of a request carries its `reqId`. */
export function loggingOptions(config: LoggingConfig): Pick<FastifyServerOptions, 'logger' | 'genReqId' | 'requestIdHeader'> {
  return {
    logger: { level: config.level ?? 'info', redact: ['req.headers["x-api-key"]'], ...(config.stream ? { stream: config.stream } : {}) },
    // Off: Fastify would take the header as it comes; genReqId checks it first.
    requestIdHeader: false,
    genReqId: requestIdOf,
  };
}

/**
 * The logger of the request being handled, for Yoga's own lines: Yoga's logger sees no request.
 * Only at debug level, where those lines are written: an async scope makes Node track every
 * promise of the request (async hooks), which cost a 100-row list some 15% of its throughput.
 * Errors Yoga masks reach the request's logger without it (src/graphql/yoga.ts).
 */
const requestLogs = new AsyncLocalStorage<{ log: FastifyBaseLogger }>();

export function runWithRequestLog<T>(scope: { log: FastifyBaseLogger }, run: () => T): T {
  return scope.log.level === 'debug' || scope.log.level === 'trace' ? requestLogs.run(scope, run) : run();
}

/** The current request's logger (with its id and GraphQL operation) at debug level, or the fallback. */
export function requestLog(fallback: Logger | FastifyBaseLogger): Logger | FastifyBaseLogger {
  return requestLogs.getStore()?.log ?? fallback;
}

/** True inside a request's debug-level scope (runWithRequestLog). */
export const inRequestLogScope = (): boolean => requestLogs.getStore() !== undefined;

/**
 * The logger handed to Yoga: its lines go through the current request's logger. Yoga logs every
 * error it masks at error level, bad arguments (the client's mistake) included; maskError in
 * src/graphql/yoga.ts logs the unexpected ones itself, once, so Yoga's copy goes to debug.
 */
export function yogaLogger(fallback: Logger) {
  const at =
    (level: 'debug' | 'info' | 'warn') =>
    (...args: unknown[]) => {
      const log = requestLog(fallback);
      (log[level] as (...a: unknown[]) => void).apply(log, args);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: (error: unknown) => requestLog(fallback).debug({ err: error }, 'error masked by GraphQL'),
  };
}
