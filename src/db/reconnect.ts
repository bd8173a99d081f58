import type { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import type pg from 'pg';
import { isConnectionLoss, wasNeverSent } from './connectionLoss.ts';
import { MAX_ATTEMPTS } from './transaction.ts';

/**
 * PostgreSQL connections lost under a statement (a terminated backend, a restart, a failover),
 * absorbed where it is safe:
 *
 * - A statement outside a transaction is sent again, on another connection: a read always
 *   (it changed nothing), a write only when it never reached the server.
 * - Starting a transaction is retried the same way (BEGIN changes nothing).
 * - A statement inside a transaction is not: the transaction died with its connection, and only
 *   its caller can run it again from the start (runTransaction in src/db/transaction.ts).
 *
 * pg's pool drops a client that failed a statement outside a transaction, and one that errs
 * while idle, but only once its socket has told it: when the server ends all sessions at once,
 * idle clients whose FATAL is still on its way look healthy, and the pool hands out the newest
 * idle client first. So before a retry, idle clients opened before the loss are closed (one
 * lost session rarely comes alone: a restart or pg_terminate_backend ends them all), and the
 * retry runs on a connection opened after it. Reconnecting costs a few milliseconds, once per loss.
 */
export function retryOnConnectionLoss(factory: PrismaPg): PrismaPg {
  return new Proxy(factory, {
    get(target, property, receiver) {
      if (property === 'connect') {
        return async () => {
          const adapter = await target.connect();
          return retrying(adapter, new Generations(adapter.underlyingDriver()));
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/** Which connections were opened before the latest connection loss seen. */
class Generations {
  private current = 0;
  private readonly openedIn = new WeakMap<pg.PoolClient, number>();
  constructor(private readonly pool: pg.Pool) {
    pool.on('connect', (client) => {
      this.openedIn.set(client as pg.PoolClient, this.current);
      // pg-pool drops its own listener when it hands a client out, and Prisma adds its own only
      // after awaiting the checkout: a FATAL read in between (the same socket read that finished
      // the client's last statement) would be an 'error' event with no listener, which crashes
      // the process. The connection is dead either way; its next statement fails and is retried.
      client.on('error', () => this.lost());
    });
  }

  /** A connection was lost: every connection open now is suspect. */
  lost() {
    this.current += 1;
  }

  /** Opened before the latest loss (or before we watched the pool). */
  isStale(client: pg.PoolClient): boolean {
    return (this.openedIn.get(client) ?? -1) < this.current;
  }

  /** Closes the idle connections opened before the latest loss, until a newer one comes up. */
  async dropStale() {
    const stale = this.current;
    // Bounded by the idle count now: a connection handed back meanwhile is checked at the next loss.
    for (let idle = this.pool.idleCount; idle > 0; idle -= 1) {
      const client = await this.pool.connect();
      if ((this.openedIn.get(client) ?? -1) < stale) {
        client.release(true); // truthy: the pool closes the connection instead of keeping it
      } else {
        client.release();
        return;
      }
    }
  }
}

function retrying(adapter: SqlDriverAdapter, generations: Generations): SqlDriverAdapter {
  // Sent again after each loss, on a connection opened after it, up to MAX_ATTEMPTS in all.
  const once = async <T>(run: () => Promise<T>, retryable: (error: unknown) => boolean): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        if (!isConnectionLoss(error)) throw error;
        generations.lost();
        if (!retryable(error) || attempt >= MAX_ATTEMPTS) throw error;
        await generations.dropStale();
      }
    }
  };
  return new Proxy(adapter, {
    get(target, property, receiver) {
      switch (property) {
        case 'queryRaw':
          return (query: SqlQuery) =>
            once(
              () => target.queryRaw(query),
              (error) => isRead(query.sql) || wasNeverSent(error),
            );
        case 'executeRaw':
          return (query: SqlQuery) =>
            once(
              () => target.executeRaw(query),
              (error) => isRead(query.sql) || wasNeverSent(error),
            );
        case 'startTransaction':
          return async (...args: Parameters<SqlDriverAdapter['startTransaction']>) => {
            // A transaction runs on a connection opened after the latest loss. A backend the
            // server was told to end can still answer a statement or two before it does (tens of
            // milliseconds on a busy host): one that was idle at the loss passes BEGIN and dies
            // under the settlement, which would spend a registration's one retry. Each stale
            // connection costs one BEGIN and a reconnect, once per loss.
            for (;;) {
              const transaction = await once(
                () => target.startTransaction(...args),
                () => true,
              );
              const client = clientOf(transaction);
              if (!client || !generations.isStale(client)) return observed(transaction, generations);
              client.release(new Error('opened before a lost connection')); // an error: the pool closes it (and the open transaction with it)
            }
          };
        default:
          return Reflect.get(target, property, receiver);
      }
    },
  });
}

/** A transaction whose lost connection (under any statement, COMMIT included) marks the others suspect. */
function observed(transaction: Transaction, generations: Generations): Transaction {
  const watch =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await run(...args);
      } catch (error) {
        if (isConnectionLoss(error)) generations.lost();
        throw error;
      }
    };
  return new Proxy(transaction, {
    get(target, property, receiver) {
      if (property === 'queryRaw') return watch((query: SqlQuery) => target.queryRaw(query));
      if (property === 'executeRaw') return watch((query: SqlQuery) => target.executeRaw(query));
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * The pg client a transaction of @prisma/adapter-pg holds (PgTransaction's `client`, protected in
 * its types but a plain property); undefined if a later version stops keeping it there, and then
 * transactions are not checked for stale connections.
 */
function clientOf(transaction: Transaction): pg.PoolClient | undefined {
  const client = (transaction as unknown as { client?: unknown }).client;
  return typeof client === 'object' && client !== null && typeof (client as pg.PoolClient).release === 'function' ? (client as pg.PoolClient) : undefined;
}

/** A statement that only reads: running it twice is the same as running it once. */
function isRead(sql: string): boolean {
  return /^\s*select\b/i.test(sql);
}
