import pg from 'pg';
import { type EventBus, Listeners, type PaymentRegisteredEvent } from './bus.ts';

/** The NOTIFY channel; each database is its own namespace, so test databases never cross. */
const CHANNEL = 'payment_registered';
/** Waits between attempts to listen again after the connection is lost: 0.5 s doubling to 10 s. */
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 10_000;

/**
 * Events across processes through Postgres' LISTEN/NOTIFY. Publishing is one `pg_notify` on the
 * pool (Postgres delivers it only once the registration's transaction has committed, and to every
 * listening process, this one included, which delivers only what comes back from Postgres, so an
 * event is seen once). Listening takes one dedicated connection, opened with the first subscriber
 * and closed with the last, so a process nobody subscribes to holds none. A lost connection is
 * opened again with backoff; events sent while it was down are not replayed (subscribers re-read
 * with a query after reconnecting, as after any gap).
 */
export function createPostgresBus(pool: pg.Pool, onError: (error: unknown) => void): EventBus {
  const listeners = new Listeners();
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let retry: NodeJS.Timeout | null = null;
  let retryMs = FIRST_RETRY_MS;
  let closed = false;

  const received = (message: pg.Notification) => {
    if (message.channel !== CHANNEL || !message.payload) return;
    try {
      const event = JSON.parse(message.payload) as PaymentRegisteredEvent;
      if (typeof event.accountId === 'string') listeners.deliver(event);
    } catch (error) {
      onError(error);
    }
  };

  const listen = () => {
    if (client || connecting || closed || listeners.size === 0) return;
    const next = new pg.Client(pool.options);
    connecting = (async () => {
      try {
        next.on('notification', received);
        next.on('error', (error) => lost(next, error));
        next.on('end', () => lost(next, null));
        await next.connect();
        await next.query(`LISTEN ${CHANNEL}`);
        client = next;
        retryMs = FIRST_RETRY_MS;
        // The last subscriber left while connecting.
        if (listeners.size === 0 || closed) release();
      } catch (error) {
        lost(next, error);
      } finally {
        connecting = null;
      }
    })();
  };

  const lost = (which: pg.Client, error: unknown) => {
    which.removeAllListeners('notification');
    which.removeAllListeners('end');
    // A later 'error' from a dead client must not become an uncaught exception.
    which.removeAllListeners('error');
    which.on('error', () => {});
    void which.end().catch(() => {});
    if (client === which) client = null;
    if (closed || listeners.size === 0) return;
    if (error) onError(error);
    if (retry) return;
    retry = setTimeout(() => {
      retry = null;
      listen();
    }, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
  };

  const release = () => {
    if (retry) clearTimeout(retry);
    retry = null;
    const held = client;
    client = null;
    if (held) lost(held, null);
  };

  return {
    publish(event) {
      pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(event)]).catch(onError);
    },
    publishAll(events) {
      // One notification per event (each stays far below NOTIFY's 8,000-byte payload), one round trip for all.
      if (events.length === 0) return;
      const payloads = events.map((event) => JSON.stringify(event));
      pool.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [CHANNEL, payloads]).catch(onError);
    },
    subscribe(accountId, listener) {
      const detach = listeners.add(accountId, listener);
      listen();
      return () => {
        detach();
        if (listeners.size === 0 && !connecting) release();
      };
    },
    listenerCount: () => listeners.size,
    listening: async () => {
      await connecting;
    },
    async close() {
      closed = true;
      listeners.endAll();
      await connecting;
      release();
    },
  };
}
