import { onPostgres } from '../support/database.ts';
import { describe, expect, databaseTest as test } from '../support/fixtures.ts';
import { expectClean } from './expect.ts';
import { loadScenario } from './scenarios.ts';

// Several server processes on one SQLite file is not a supported deployment (README): on
// SQLite the same load goes through one process.
const processes = onPostgres ? 3 : 1;

describe('scenario 1: load on one database, most of it on 5 hot cases', () => {
  test(`300 registrations over GraphQL and REST, 32 in flight, ${processes} server process(es): every case adds up, every acknowledged payment stored once, no 5xx`, async ({
    database,
  }) => {
    const result = await loadScenario({ databaseUrl: database.url, processes, registrations: 300 });
    expectClean(result);
    expect(result.row.stored).toBe(300);
  }, 120_000);
});
