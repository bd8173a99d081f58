import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Account, Db } from '../db/client.ts';
import { runTyped, typedSql } from '../db/typedSql.ts';
import { InvalidArgumentError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';

/**
 * An API key reads "cpk_<key id>_<secret>". The id finds the stored row; only the
 * SHA-256 of the whole key is stored, and it is compared in constant time.
 */
const KEY_FORMAT = /^cpk_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export async function createApiKey(db: Db, accountId: string): Promise<{ id: string; key: string }> {
  const account = await db.account.findUnique({ where: { id: accountId } });
  if (!account) throw new InvalidArgumentError('account', `account ${accountId} not found`);
  const id = newId();
  const key = `cpk_${id}_${randomBytes(32).toString('base64url')}`;
  await db.apiKey.create({ data: { id, accountId, secretHash: hashKey(key).toString('hex') } });
  return { id, key };
}

export async function revokeApiKey(db: Db, keyId: string): Promise<{ id: string; revokedAt: Date }> {
  const found = await db.apiKey.findUnique({ where: { id: keyId } });
  if (!found) throw new InvalidArgumentError('key-id', `API key ${keyId} not found`);
  const revoked = await db.apiKey.update({ where: { id: keyId }, data: { revokedAt: found.revokedAt ?? new Date() } });
  return { id: revoked.id, revokedAt: revoked.revokedAt! };
}

/**
 * The account an API key belongs to, or null for a missing, malformed, unknown or revoked key.
 * One statement reads the key with its account (a JOIN, where Prisma's include would send
 * two), so GraphQL's account loader starts primed and `account { name }` costs no round trip.
 */
export async function authenticate(db: Db, key: string | null | undefined): Promise<{ accountId: string; account: Account; keyId: string } | null> {
  const match = key ? KEY_FORMAT.exec(key) : null;
  if (!key || !match) return null;
  const [stored] = await readKey(db, match[1]!);
  const presented = hashKey(key);
  // Hash even when no row matched, so the answer takes as long whether or not the id exists.
  const expected = stored ? Buffer.from(stored.keySecretHash, 'hex') : hashKey('');
  const equal = expected.length === presented.length && timingSafeEqual(expected, presented);
  if (!stored || !equal || stored.keyRevokedAt) return null;
  const { keySecretHash: _, keyRevokedAt: __, ...account } = stored;
  return { accountId: account.id, account, keyId: match[1]! };
}

/** The key's hash and revocation with every column of its account, in one typed statement. */
function readKey(db: Db, keyId: string) {
  const query = typedSql(db)
    .selectFrom('ApiKey as k')
    .innerJoin('Account as a', 'a.id', 'k.accountId')
    .selectAll('a')
    .select(['k.secretHash as keySecretHash', 'k.revokedAt as keyRevokedAt'])
    .where('k.id', '=', keyId);
  return runTyped(db, query);
}
