import { DriverAdapterError, type SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { delegate } from './delegate.ts';

/**
 * Workaround 6 (docs/migrations.md): adapter-pg's executeScript splits the script at every ";"
 * and runs the pieces one by one: a failing migration stays half applied, and a ";" in a
 * string or a $$ body breaks it. Prisma's native engine sends the script as one simple query,
 * which Postgres runs as one implicit transaction; so do we, on the adapter's own pool.
 */
export function scriptAsOneQuery(adapter: SqlDriverAdapter, pool: pg.Pool): SqlDriverAdapter {
  return delegate(adapter, {
    executeScript: async (script) => {
      try {
        await pool.query(script);
      } catch (error) {
        if (!(error instanceof pg.DatabaseError)) throw error;
        // In the adapter's error shape, so the engine reports (and records) the database's message.
        throw new DriverAdapterError({
          kind: 'postgres',
          code: error.code ?? '',
          severity: error.severity ?? 'ERROR',
          message: error.message,
          detail: error.detail,
          column: error.column,
          hint: error.hint,
        });
      }
    },
  });
}
