import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import { delegate } from './delegate.ts';

/**
 * Workaround 1 (docs/migrations.md): the engine sends some multi-statement scripts through
 * executeRaw, which better-sqlite3 refuses ("more than one statement"); run those as a script.
 */
export function multiStatementAsScript(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return delegate(adapter, {
    executeRaw: async (query) => {
      try {
        return await adapter.executeRaw(query);
      } catch (error) {
        if (query.args.length > 0 || !(error instanceof RangeError && error.message.includes('more than one statement'))) {
          throw error;
        }
        await adapter.executeScript(query.sql);
        return 0;
      }
    },
  });
}
