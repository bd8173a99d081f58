import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ShadowDatabase } from '../src/db/schemaEngine/index.ts';
import { urlForDatabase } from '../src/db/url.ts';

/**
 * Workaround 4 (docs/migrations.md): adapter-pg drops its own shadow database while its pool
 * still holds connections, so the drop fails; we create one on `serverUrl` (the role needs
 * CREATEDB) and drop it after the engine has closed its pool.
 */
export async function createShadowDatabase(serverUrl: string): Promise<ShadowDatabase> {
  const database = `migrate_shadow_${randomUUID().replaceAll('-', '')}`;
  await runOnServer(serverUrl, `CREATE DATABASE "${database}"`);
  return {
    // The hazard of workaround 4: a connection string beside a separate `database` field wins,
    // so the pool would point at the main database. This URL names the shadow database itself.
    url: urlForDatabase(serverUrl, database),
    drop: () => runOnServer(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  };
}

async function runOnServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
