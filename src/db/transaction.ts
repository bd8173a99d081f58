import type { Db, Prisma } from './client.ts';
import { isConnectionLoss, wasNeverSent } from './connectionLoss.ts';

/**
 * The connection was lost after COMMIT was sent and before its answer came: the transaction
 * may or may not have committed. Its caller finds out, if it can, by looking on another connection.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super('the database connection was lost while the transaction was committing; whether it committed is unknown', { cause });
  }
}

export interface TransactionOptions {
  maxWait?: number;
  timeout?: number;
  isolationLevel?: Prisma.TransactionIsolationLevel;
}

/**
 * How often a statement or transaction is sent in all when connections keep being lost under it.
 * A loss rarely comes alone (a restart or a failover ends every session, sometimes in two waves),
 * and a request waiting on a hot case's lock can span two of them; past that the database is
 * more likely down than flapping, and the client is told.
 */
export const MAX_ATTEMPTS = 3;

/**
 * An interactive transaction that survives losing its connection: lost before COMMIT, the
 * transaction rolled back with its session, so `work` runs again from the start on another
 * connection (it must hold no effects outside the database). Lost while COMMIT was on its way,
 * the outcome is unknown and CommitOutcomeUnknown is thrown instead: running it again could store
 * it twice. Any other failure is the caller's, unretried.
 */
export async function runTransaction<T>(db: Db, work: (tx: Prisma.TransactionClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    // Prisma commits once `work` resolves: a loss after that point is a loss at COMMIT.
    let committing = false;
    try {
      return await db.$transaction(async (tx) => {
        const result = await work(tx);
        committing = true;
        return result;
      }, options);
    } catch (error) {
      if (!isConnectionLoss(error)) throw error;
      // pg refused to send COMMIT on a connection it already knew dead: nothing was committed.
      if (committing && !wasNeverSent(error)) throw new CommitOutcomeUnknown(error);
      if (attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
