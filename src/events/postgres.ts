import type pg from 'pg';
import { listenToChannel } from '../db/channel.ts';
import { type EventBus, Listeners, type PaymentRegisteredEvent } from './bus.ts';

/** The NOTIFY channel; each database is its own namespace, so test databases never cross. */
const CHANNEL = 'payment_registered';

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
  const channel = listenToChannel(pool, CHANNEL, {
    message(payload) {
      if (!payload) return;
      try {
        const event = JSON.parse(payload) as PaymentRegisteredEvent;
        if (typeof event.accountId === 'string') listeners.deliver(event);
      } catch (error) {
        onError(error);
      }
    },
    error: onError,
  });
  let closed = false;

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
      if (!closed) channel.start();
      return () => {
        detach();
        if (listeners.size === 0) channel.stop();
      };
    },
    listenerCount: () => listeners.size,
    listening: () => channel.settled(),
    async close() {
      closed = true;
      listeners.endAll();
      channel.stop();
      await channel.settled();
    },
  };
}
