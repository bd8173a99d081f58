import { expect } from 'vitest';
import { formatTable, type ScenarioResult } from './scenarios.ts';

/** A scenario passes only with no violation of any kind; the table row is printed on failure. */
export function expectClean({ row, violations }: ScenarioResult) {
  const table = `\n${formatTable([row])}\n`;
  expect(violations, table).toEqual([]);
  expect({ invariantViolations: row.invariantViolations, lost: row.lost, duplicates: row.duplicates, serverErrors: row.serverErrors }, table).toEqual({
    invariantViolations: 0,
    lost: 0,
    duplicates: 0,
    serverErrors: 0,
  });
  expect(row.acknowledged, table).toBe(row.registrations);
}
