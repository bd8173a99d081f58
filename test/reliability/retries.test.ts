import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.ts';
import { expectClean } from './expect.ts';
import { retryScenario } from './scenarios.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

// Postgres: the copies are spread over 3 server processes; SQLite serves from one (README).
const processes = onPostgres ? 3 : 1;

describe('scenario 2: retries', () => {
  it(`the same registration sent 20 times at once (by reference and by Idempotency-Key; GraphQL, REST and both) to ${processes} process(es): one payment, every answer carries its id`, async () => {
    const result = await retryScenario({ databaseUrl: database.url, processes, registrations: 6, retries: 20 });
    expectClean(result);
    expect(result.row.requests).toBe(120);
    expect(result.row.stored).toBe(6);
  }, 120_000);
});
