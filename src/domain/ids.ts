import { randomBytes } from 'node:crypto';

/**
 * 24 hex characters, the id format of the REST system we mirror: 4 bytes of
 * seconds since the epoch (ids roughly follow creation order) and 8 random bytes.
 */
export function newId(): string {
  const seconds = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + randomHex8();
}

// Random bytes drawn 4 KiB at a time: one call into the system's generator per 512 ids, not per id
// (a file import makes thousands of ids per batch). Each byte is used once.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let taken = POOL_BYTES;
function randomHex8(): string {
  if (taken + 8 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    taken = 0;
  }
  taken += 8;
  return pool.toString('hex', taken - 8, taken);
}

export function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{24}$/.test(value);
}
