import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { expectClean } from './expect.ts';
import { crashScenario, drainScenario } from './scenarios.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

describe('scenario 3: crashes and shutdown', () => {
  it('kill -9 under write load, restart: every acknowledged payment is there, every case agrees with its payments, retries store the rest once', async () => {
    const result = await crashScenario({ databaseUrl: database.url, registrations: 300, crashes: 1 });
    expectClean(result);
    // The kill cut requests off mid-flight, and afterwards every registration is stored exactly once.
    expect(result.row.unanswered).toBeGreaterThan(0);
    expect(result.row.stored).toBe(300);
  }, 120_000);

  it('SIGTERM with 32 requests in flight: each gets its complete answer, then the process exits 0', async () => {
    const result = await drainScenario({ databaseUrl: database.url, requests: 32 });
    expectClean(result);
    expect(result.row.stored).toBe(32);
  }, 60_000);
});
