import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * SQL statements sent to the drivers in this process, counted where the drivers are called (pg's
 * Client#query, better-sqlite3's statement runs: one per statement executed, BEGIN and COMMIT
 * included, failed statements too; a statement prepared once and run again counts each run). Postgres' NOTIFY to other processes' subscribers, sent after COMMIT, is counted
 * apart. The tests and the bench's round trips count the same way through this one counter.
 */
export interface DriverCalls {
  statements: number;
  notifications: number;
}

const calls: DriverCalls = { statements: 0, notifications: 0 };
let installed = false;

/** Wraps the drivers' entry points (once per process) and gives the counter; set its fields to 0 to start a count. */
export function countDriverCalls(): DriverCalls {
  if (installed) return calls;
  installed = true;
  const pgQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    if (text?.includes('pg_notify')) calls.notifications++;
    else calls.statements++;
    return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pgQuery;
  const probe = new Database(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<'run' | 'get' | 'all' | 'iterate', (...a: unknown[]) => unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const run = statement[method];
    statement[method] = function (this: unknown, ...args: unknown[]) {
      calls.statements++;
      return run.apply(this, args);
    };
  }
  return calls;
}
