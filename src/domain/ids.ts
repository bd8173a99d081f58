import { randomBytes } from 'node:crypto';

/**
 * 24 hex characters, the id format of the REST system we mirror: 4 bytes of
 * seconds since the epoch (ids roughly follow creation order) and 8 random bytes.
 */
export function newId(): string {
  const seconds = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + randomBytes(8).toString('hex');
}

export function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{24}$/.test(value);
}
