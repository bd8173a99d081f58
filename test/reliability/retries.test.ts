import { onPostgres } from '../support/database.ts';
import { describe, expect, databaseTest as test } from '../support/fixtures.ts';
import { expectClean } from './expect.ts';
import { retryScenario } from './scenarios.ts';

// Postgres: the copies are spread over 3 server processes; SQLite serves from one (README).
const processes = onPostgres ? 3 : 1;

describe('scenario 2: retries', () => {
  test(`the same registration sent 20 times at once (by reference and by Idempotency-Key; GraphQL, REST and both) to ${processes} process(es): one payment, every answer carries its id`, async ({
    database,
  }) => {
    const result = await retryScenario({ databaseUrl: database.url, processes, registrations: 6, retries: 20 });
    expectClean(result);
    expect(result.row.requests).toBe(120);
    expect(result.row.stored).toBe(6);
  }, 120_000);
});
