import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from '../rest/envelope.ts';

/** How long a client may take, in milliseconds; see AppConfig.timeouts. */
export interface Timeouts {
  /** The whole request, headers and body, must arrive within this. */
  requestMs?: number;
  /** The request's headers must arrive within this. */
  headersMs?: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs?: number;
  /** A socket with no traffic at all is closed after this. */
  connectionMs?: number;
}

/** Longest path segment (an id) the router takes; a longer one is answered 414 (app.ts). */
export const MAX_PATH_SEGMENT_LENGTH = 100;

export const DEFAULT_TIMEOUTS: Required<Timeouts> = {
  requestMs: 30_000,
  headersMs: 10_000,
  keepAliveMs: 5_000,
  connectionMs: 60_000,
};

/**
 * Fastify's and Node's server options for the deadlines, so a client that drips its body a
 * byte at a time or opens a socket and says nothing cannot hold a connection for ever.
 */
export function timeoutOptions(timeouts: Timeouts = {}) {
  const requestMs = timeouts.requestMs ?? DEFAULT_TIMEOUTS.requestMs;
  // Node refuses a headers deadline later than the request's; the request's covers the headers anyway.
  const headersMs = Math.min(timeouts.headersMs ?? DEFAULT_TIMEOUTS.headersMs, requestMs);
  const http: ServerOptions = {
    requestTimeout: requestMs,
    headersTimeout: headersMs,
    // Node checks both deadlines on this interval (30 s by default), which would let a 10 s
    // deadline run to 40 s; a tenth of the shorter one keeps them close to what is configured.
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(Math.min(headersMs, requestMs) / 10))),
  };
  return {
    requestTimeout: requestMs,
    keepAliveTimeout: timeouts.keepAliveMs ?? DEFAULT_TIMEOUTS.keepAliveMs,
    connectionTimeout: timeouts.connectionMs ?? DEFAULT_TIMEOUTS.connectionMs,
    http,
  };
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request did not arrive in time.'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request headers are too large.'],
};

/**
 * Errors Node meets before there is a request (a deadline missed, headers too large, a request
 * line that does not parse) answered in the REST error envelope, like unknown paths, then closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 'The request is not valid HTTP.'];
  if (socket.writable) {
    const body = JSON.stringify(errorBody(status, message));
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
