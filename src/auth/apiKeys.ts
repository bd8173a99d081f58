import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { runTyped, typedSql } from '../db/typedSql.ts';
import { InvalidArgumentError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { type Caller, verifiedKeysOf } from './verifiedKeys.ts';

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
  // Every process hears of it from the database; this one forgets at once.
  verifiedKeysOf(db)?.forgetAll();
  return { id: revoked.id, revokedAt: revoked.revokedAt! };
}

/**
 * The account an API key belongs to, or null for a missing, malformed, unknown or revoked key.
 * A key this process has verified lately is compared with what it verified (src/auth/verifiedKeys.ts,
 * for as long as changes to keys are heard); otherwise one statement reads the key with its account
 * (a JOIN, where Prisma's include would send two), so GraphQL's account loader starts primed and
 * `account { name }` costs no round trip.
 */
export async function authenticate(db: Db, key: string | null | undefined): Promise<Caller | null> {
  const match = key ? KEY_FORMAT.exec(key) : null;
  if (!key || !match) return null;
  const keyId = match[1]!;
  const presented = hashKey(key);
  const cache = verifiedKeysOf(db);
  const known = cache?.find(keyId);
  if (known) return sameHash(known.secretHash, presented) ? known.caller : null;
  const generation = cache?.generation ?? 0;
  const [stored] = await readKey(db, keyId);
  // Hash even when no row matched, so the answer takes as long whether or not the id exists.
  const expected = stored ? Buffer.from(stored.keySecretHash, 'hex') : hashKey('');
  const equal = sameHash(expected, presented);
  if (!stored || !equal || stored.keyRevokedAt) return null;
  const { keySecretHash: _, keyRevokedAt: __, ...account } = stored;
  const caller = { accountId: account.id, account, keyId };
  cache?.remember(keyId, expected, caller, generation);
  return caller;
}

function sameHash(expected: Buffer, presented: Buffer): boolean {
  return expected.length === presented.length && timingSafeEqual(expected, presented);
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
