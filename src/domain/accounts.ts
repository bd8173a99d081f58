import type { Account, Db } from '../db/client.ts';
import { InvalidArgumentError } from './errors.ts';
import { newId } from './ids.ts';

export function createAccount(db: Db, name: string): Promise<Account> {
  if (!name.trim()) throw new InvalidArgumentError('name', 'name is required');
  return db.account.create({ data: { id: newId(), name } });
}
