import { describe, expect, test } from 'vitest';
import { isId, newId } from '../../src/domain/ids.ts';

describe('newId', () => {
  test('24 hex characters led by the creation second; thousands in a row all differ (across refills of the random pool)', () => {
    const before = Math.floor(Date.now() / 1000);
    const ids = Array.from({ length: 5000 }, newId);
    const after = Math.floor(Date.now() / 1000);
    expect(ids.every(isId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // The random parts differ too (a reused pool byte would repeat one).
    expect(new Set(ids.map((id) => id.slice(8))).size).toBe(ids.length);
    for (const id of [ids[0]!, ids.at(-1)!]) {
      const seconds = Number.parseInt(id.slice(0, 8), 16);
      expect(seconds).toBeGreaterThanOrEqual(before);
      expect(seconds).toBeLessThanOrEqual(after);
    }
  });
});
