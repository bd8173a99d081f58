import type { SqlDriverAdapter, SqlDriverAdapterFactory, Transaction } from '@prisma/driver-adapter-utils';

/**
 * Asked of an isolated adapter, gives `alone(work)`: runs work on the connection while no
 * transaction is open on it (the typed reads run better-sqlite3 statements directly this way).
 */
export const RUN_ALONE = Symbol('runAlone');
export type RunAlone = <R>(work: () => R) => Promise<Awaited<R>>;

/**
 * @prisma/adapter-better-sqlite3 runs every query of a process on one connection, and queues
 * only transactions: a query outside a transaction runs on that connection while another
 * request's transaction is open on it, so it reads that transaction's uncommitted writes. A
 * retry could then be answered "already stored" with a payment whose transaction later rolls
 * back, and a reader could see a balance that never was. Here every query outside a
 * transaction waits until no transaction is open on the connection.
 */
export function isolateSqliteConnection<F extends SqlDriverAdapterFactory>(factory: F): F {
  return new Proxy(factory, {
    get(target, property, receiver) {
      if (property === 'connect') return async () => isolate(await target.connect());
      return Reflect.get(target, property, receiver);
    },
  });
}

function isolate(adapter: SqlDriverAdapter): SqlDriverAdapter {
  // A FIFO lock: a transaction holds it from BEGIN until COMMIT or ROLLBACK; a query outside a
  // transaction holds it while it runs (better-sqlite3 is synchronous, so queuing costs no parallelism).
  let tail: Promise<void> = Promise.resolve();
  // Holders and waiters: at 0 the connection is free, and synchronous work may run at once.
  let queued = 0;
  const acquire = (): Promise<() => void> => {
    queued += 1;
    let resolveHeld!: () => void;
    const held = new Promise<void>((resolve) => (resolveHeld = resolve));
    const release = () => {
      queued -= 1;
      resolveHeld();
    };
    const previous = tail;
    tail = previous.then(() => held);
    return previous.then(() => release);
  };
  const alone =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const release = await acquire();
      try {
        return await run(...args);
      } finally {
        release();
      }
    };
  return new Proxy(adapter, {
    get(target, property, receiver) {
      switch (property) {
        case RUN_ALONE:
          // Synchronous work (a better-sqlite3 read) on a free connection runs now: nothing can start meanwhile.
          return ((work: () => unknown) => {
            if (queued > 0) return alone(async () => work())();
            try {
              return Promise.resolve(work());
            } catch (error) {
              return Promise.reject(error);
            }
          }) as RunAlone;
        case 'queryRaw':
        case 'executeRaw':
        case 'executeScript':
          return alone((...args: unknown[]) => (Reflect.get(target, property, receiver) as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        case 'startTransaction':
          return async (...args: Parameters<SqlDriverAdapter['startTransaction']>): Promise<Transaction> => {
            const release = await acquire();
            try {
              return endsWith(await target.startTransaction(...args), release);
            } catch (error) {
              release();
              throw error;
            }
          };
        default:
          return Reflect.get(target, property, receiver);
      }
    },
  });
}

/** The transaction, releasing the connection when it commits or rolls back. */
function endsWith(transaction: Transaction, release: () => void): Transaction {
  let released = false;
  const end = (finish: () => Promise<void>) => async () => {
    try {
      await finish();
    } finally {
      if (!released) {
        released = true;
        release();
      }
    }
  };
  return new Proxy(transaction, {
    get(target, property, receiver) {
      if (property === 'commit') return end(() => target.commit());
      if (property === 'rollback') return end(() => target.rollback());
      return Reflect.get(target, property, receiver);
    },
  });
}
