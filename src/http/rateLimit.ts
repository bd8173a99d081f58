import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const RATE_LIMITED = 'RATE_LIMITED';

/** Probes and scrapes from the platform, which come often from one address and carry no key. */
const OPERATIONS_PATHS = new Set(['/health', '/ready', '/metrics']);

/** A caller over its budget; each face's error handler answers it in its own shape (429, Retry-After set). */
class RateLimitedError extends Error {
  readonly statusCode = 429;
  readonly code = RATE_LIMITED;
}

/**
 * At most `perMinute` requests a minute per API key (per client address without one), counted
 * in this process. Registered as the first onRequest hook of every route, so a caller over its
 * budget is refused before its key is looked up or its body read.
 */
export async function limitRequestRate(app: FastifyInstance, perMinute: number): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: callerKey,
    allowList: (request) => OPERATIONS_PATHS.has(request.url.split('?')[0]!),
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(`Too many requests: at most ${context.max} a minute per API key; retry in ${context.after}.`),
  });
  app.addHook('onRequest', app.rateLimit());
}

function callerKey(request: FastifyRequest): string {
  const apiKey = request.headers['x-api-key'];
  // A hash, so the counters in memory hold no usable key.
  if (typeof apiKey === 'string' && apiKey !== '') return `key:${createHash('sha256').update(apiKey).digest('base64url')}`;
  return `ip:${request.ip}`;
}
