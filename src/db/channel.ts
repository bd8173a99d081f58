import pg from 'pg';

/** Waits between attempts to listen again after the connection is lost: 0.5 s doubling to 10 s. */
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 10_000;

export interface ChannelHandlers {
  /** A notification's payload ('' when it has none). */
  message(payload: string): void;
  /** True once LISTEN is in place, false when the connection is lost or released: what was sent meanwhile is not replayed. */
  live?(live: boolean): void;
  error(error: unknown): void;
}

export interface Channel {
  /** Listens (again) until stop: opens the dedicated connection unless it is open or opening. */
  start(): void;
  /** Releases the connection; a start later opens a new one. */
  stop(): void;
  /** Resolves once an attempt to listen under way has ended. */
  settled(): Promise<void>;
}

/**
 * One PostgreSQL NOTIFY channel, heard on a connection of its own (LISTEN cannot share a pooled
 * one). A lost connection is opened again with backoff for as long as the channel is wanted.
 * Postgres delivers a notification only once its transaction has committed.
 */
export function listenToChannel(pool: pg.Pool, channel: string, on: ChannelHandlers): Channel {
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let retry: NodeJS.Timeout | null = null;
  let retryMs = FIRST_RETRY_MS;
  let wanted = false;

  const received = (message: pg.Notification) => {
    if (message.channel === channel) on.message(message.payload ?? '');
  };

  const connect = () => {
    if (client || connecting || !wanted) return;
    const next = new pg.Client(pool.options);
    connecting = (async () => {
      try {
        next.on('notification', received);
        next.on('error', (error) => lost(next, error));
        next.on('end', () => lost(next, null));
        await next.connect();
        await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        client = next;
        retryMs = FIRST_RETRY_MS;
        // Stopped while connecting.
        if (!wanted) release();
        else on.live?.(true);
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
    if (client === which) {
      client = null;
      on.live?.(false);
    }
    if (!wanted) return;
    if (error) on.error(error);
    if (retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect();
    }, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
  };

  const release = () => {
    if (retry) clearTimeout(retry);
    retry = null;
    const held = client;
    if (held) lost(held, null);
  };

  return {
    start() {
      wanted = true;
      connect();
    },
    stop() {
      wanted = false;
      release();
    },
    settled: async () => {
      await connecting;
    },
  };
}
