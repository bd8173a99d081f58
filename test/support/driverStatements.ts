import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * SQL statements sent to the drivers in this process, counted where the drivers are called (pg's
 * Client#query, better-sqlite3's prepare: one per statement, BEGIN and COMMIT included, failed
 * statements too). Postgres' NOTIFY to other processes' subscribers, sent after COMMIT, is counted
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
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Database.Database, ...args: [string]) {
    calls.statements++;
    return prepare.apply(this, args);
  } as typeof prepare;
  return calls;
}
