import DataLoader from 'dataloader';
import type { Account, Case, Creditor, Db } from '../db/client.ts';

/**
 * Per-request batching of the rows a list's items point at: a page of N payments asking
 * for their case and creditor costs one query per table, not one per payment. Every
 * lookup stays inside the caller's account.
 */
export function createLoaders(db: Db, accountId: string, batch = true) {
  const byId = <T extends { id: string }>(load: (ids: string[]) => Promise<T[]>) =>
    new DataLoader<string, T | null>(
      async (ids) => {
        const rows = await load([...ids]);
        const found = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => found.get(id) ?? null);
      },
      { batch, maxBatchSize: 1000 },
    );
  return {
    case: byId<Case>((ids) => db.case.findMany({ where: { id: { in: ids }, accountId } })),
    creditor: byId<Creditor>((ids) => db.creditor.findMany({ where: { id: { in: ids }, accountId } })),
    account: byId<Account>((ids) => db.account.findMany({ where: { id: { in: ids.filter((id) => id === accountId) } } })),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
