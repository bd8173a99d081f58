/**
 * npm run test:reliability [-- --size=2000 --db=sqlite,postgres]
 *
 * Runs the reliability scenarios at full size on SQLite and on PostgreSQL, prints the table
 * and every violation, and exits non-zero when any violation was found. Scenario 1 runs
 * 3 server processes on Postgres and 1 on SQLite (several processes on one SQLite file is
 * not a supported deployment); scenario 4 (every database session terminated twice under
 * load) runs on Postgres only.
 */
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../support/database.ts';
import {
  connectionLossScenario,
  crashScenario,
  type DatabaseKind,
  drainScenario,
  formatTable,
  loadScenario,
  retryScenario,
  type ScenarioResult,
} from './scenarios.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '2000' },
    db: { type: 'string', default: 'sqlite,postgres' },
  },
});
const size = Number(values.size);
if (!Number.isInteger(size) || size < 10 || size > 20_000) throw new Error(`--size must be an integer from 10 to 20000, got ${values.size}`);
const kinds = values.db.split(',').map((k) => k.trim()) as DatabaseKind[];
if (kinds.some((k) => k !== 'sqlite' && k !== 'postgres')) throw new Error(`--db takes sqlite and/or postgres, got ${values.db}`);

/** A fresh database of the kind, dropped afterwards. */
async function withDatabase<T>(kind: DatabaseKind, run: (url: string) => Promise<T>): Promise<T> {
  const database = await createTestDatabase(kind);
  try {
    return await run(database.url);
  } finally {
    await database.drop();
  }
}

const results: ScenarioResult[] = [];
for (const kind of kinds) {
  const scenarios: Array<[string, (url: string) => Promise<ScenarioResult>]> = [
    ['load', (url) => loadScenario({ databaseUrl: url, processes: kind === 'postgres' ? 3 : 1, registrations: size })],
    [
      'retries',
      (url) => retryScenario({ databaseUrl: url, processes: kind === 'postgres' ? 3 : 1, registrations: Math.max(6, Math.round(size / 20)), retries: 20 }),
    ],
    ['crash', (url) => crashScenario({ databaseUrl: url, registrations: size, crashes: 3 })],
    ['drain', (url) => drainScenario({ databaseUrl: url, requests: 64 })],
  ];
  // SQLite has no connections to lose.
  if (kind === 'postgres')
    scenarios.push(['connection loss', (url) => connectionLossScenario({ databaseUrl: url, processes: 3, registrations: size, terminations: 2 })]);
  for (const [name, scenario] of scenarios) {
    process.stdout.write(`${kind}: ${name} ... `);
    const result = await withDatabase(kind, scenario);
    results.push(result);
    console.log(`${result.row.seconds} s, ${result.violations.length === 0 ? 'ok' : `${result.violations.length} violation(s)`}`);
  }
}

console.log(`\n${formatTable(results.map((r) => r.row))}\n`);
const violations = results.flatMap((r) => r.violations.map((v) => `${r.row.database} ${r.row.scenario}: ${v}`));
if (violations.length > 0) {
  console.log(`${violations.length} violation(s):\n${violations.join('\n')}`);
  process.exitCode = 1;
} else {
  console.log('No invariant violations, no lost acknowledged payments, no duplicates, no 5xx.');
}
