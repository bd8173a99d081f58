import type { Db } from '../../src/db/client.ts';

/** What pg throws when the socket closes under a statement (the server went away). */
export function connectionTerminated(): Error {
  return new Error('Connection terminated unexpectedly');
}

/**
 * The database, except that its next interactive transaction loses its connection at COMMIT, on
 * any database: with `committed`, after the commit (its answer is lost); without, before it (the
 * transaction rolls back). Either way the caller cannot tell which happened. Later transactions
 * run normally, so a resend can be checked too.
 */
export function losingConnectionAtCommit(db: Db, { committed }: { committed: boolean }): Db & { cuts: number } {
  let armed = true;
  const state = { cuts: 0 };
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'cuts') return state.cuts;
      if (property !== '$transaction') return Reflect.get(target, property, receiver);
      return async (work: unknown, options?: unknown) => {
        const transaction = target.$transaction.bind(target) as (w: unknown, o?: unknown) => Promise<unknown>;
        if (!armed || typeof work !== 'function') return transaction(work, options);
        armed = false;
        state.cuts += 1;
        if (committed) {
          await transaction(work, options);
          throw connectionTerminated();
        }
        return transaction(async (tx: unknown) => {
          await work(tx);
          throw connectionTerminated();
        }, options);
      };
    },
  }) as Db & { cuts: number };
}
