import { isDriverAdapterError, type SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import { delegate } from './delegate.ts';

/**
 * Workaround 7 (docs/migrations.md): adapter-better-sqlite3 reports SQLITE_BUSY as kind
 * "SocketTimeout", which the engine cannot decode ("unknown variant `SocketTimeout`"). A plain
 * Error instead travels through the engine untouched (see readableError) and says what happened.
 */
export function busyAsPlainError(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const translated =
    <A, R>(run: (arg: A) => Promise<R>) =>
    async (arg: A): Promise<R> => {
      try {
        return await run(arg);
      } catch (error) {
        if (isDriverAdapterError(error) && error.cause.kind === 'SocketTimeout') {
          throw new Error('The SQLite database is locked: another connection (a running server?) holds it', { cause: error });
        }
        throw error;
      }
    };
  return delegate(adapter, {
    queryRaw: translated((query) => adapter.queryRaw(query)),
    executeRaw: translated((query) => adapter.executeRaw(query)),
    executeScript: translated((script) => adapter.executeScript(script)),
  });
}
