/**
 * Which database failures mean "the connection was lost" (the server ended the session, the
 * socket died, the server cannot be reached), as they surface from pg through
 * @prisma/adapter-pg and the Prisma client. Only these are retried; a constraint violation,
 * a bad value or a timeout on a lock is an answer from a live server and never is.
 *
 * Shapes met by terminating backends under load (test/reliability/connectionLoss.test.ts):
 * - a statement in flight: the server's FATAL `57P01` (admin_shutdown), as a DriverAdapterError
 *   `{ kind: 'postgres', code: '57P01' }`, which the client wraps as P2010 with
 *   `meta.driverAdapterError`;
 * - a statement sent on a socket that then closed: pg's plain Error "Connection terminated unexpectedly";
 * - a statement on a client already known dead: "Client has encountered a connection error and is not queryable";
 * - socket errors: ECONNRESET as `{ kind: 'ConnectionClosed' }` (P1017), ECONNREFUSED as
 *   `{ kind: 'DatabaseNotReachable' }` (P1001).
 */

/**
 * SQLSTATEs of a session the server ended or would not start: class 08 (connection exception),
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 57P05 idle_session_timeout.
 */
function isConnectionSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '57P05';
}

/** Adapter error kinds (MappedError) that mean the connection is gone or was never made. */
const CONNECTION_KINDS = new Set(['ConnectionClosed', 'DatabaseNotReachable', 'SocketTimeout']);

/** Prisma's own codes for the same: P1001 can't reach the server, P1002 timed out reaching it, P1017 server closed the connection. */
const CONNECTION_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017']);

/** Node's socket errors on a connection that died or could not be opened. */
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** pg's messages for a statement that was never written to a live connection. */
const NEVER_SENT_MESSAGES = ['Client has encountered a connection error and is not queryable', 'Client was closed and is not queryable'];

/** pg's messages for a connection that ended under a statement. */
const LOST_MESSAGES = ['Connection terminated unexpectedly', 'Connection terminated', ...NEVER_SENT_MESSAGES];

/** The causes one error carries: itself, a Prisma error's adapter error, an adapter error's payload, `cause` chains. */
function* causes(error: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (typeof error !== 'object' || error === null || depth > 5) return;
  const e = error as Record<string, unknown>;
  yield e;
  const meta = e.meta as Record<string, unknown> | undefined;
  if (meta?.driverAdapterError) yield* causes(meta.driverAdapterError, depth + 1);
  if (e.cause) yield* causes(e.cause, depth + 1);
}

/** True when the error says the database connection was lost or could not be made. */
export function isConnectionLoss(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    const kind = typeof e.kind === 'string' ? e.kind : undefined;
    if (kind === 'postgres') {
      if (code !== undefined && isConnectionSqlState(code)) return true;
      continue;
    }
    if (kind !== undefined && CONNECTION_KINDS.has(kind)) return true;
    if (code !== undefined && (CONNECTION_PRISMA_CODES.has(code) || SOCKET_CODES.has(code))) return true;
    // A PostgreSQL error straight from pg (severity and code set).
    if (code !== undefined && typeof e.severity === 'string' && isConnectionSqlState(code)) return true;
    if (typeof e.message === 'string' && LOST_MESSAGES.includes(e.message)) return true;
  }
  return false;
}

/**
 * True when the connection was lost before the statement reached the server (pg refused to send
 * it on a dead client, or no connection could be opened), so the statement had no effect.
 */
export function wasNeverSent(error: unknown): boolean {
  for (const e of causes(error)) {
    if (typeof e.message === 'string' && NEVER_SENT_MESSAGES.includes(e.message)) return true;
    if (e.kind === 'DatabaseNotReachable' || e.code === 'ECONNREFUSED' || e.code === 'P1001') return true;
    // The server refused the session at startup (starting up, shutting down, in recovery).
    if ((e.kind === 'postgres' || typeof e.severity === 'string') && e.code === '57P03') return true;
  }
  return false;
}
