import type { Creditor, Db } from '../db/client.ts';
import { InvalidArgumentError } from './errors.ts';
import { newId } from './ids.ts';
import { listRows } from './lists.ts';
import type { Page, PageRequest } from './paging.ts';

export function findCreditor(db: Db, accountId: string, id: string): Promise<Creditor | null> {
  return db.creditor.findFirst({ where: { id, accountId } });
}

export function listCreditors(db: Db, accountId: string, page: PageRequest): Promise<Page<Creditor>> {
  return listRows(db, 'Creditor', accountId, [], page);
}

/** `id`: a chosen id (the demo's, so documented examples work as printed); a new one otherwise. */
export async function createCreditor(db: Db, accountId: string, name: string, id: string = newId()): Promise<Creditor> {
  if (!name.trim()) throw new InvalidArgumentError('name', 'name is required');
  const account = await db.account.findUnique({ where: { id: accountId } });
  if (!account) throw new InvalidArgumentError('account', `account ${accountId} not found`);
  return db.creditor.create({ data: { id, accountId, name } });
}
