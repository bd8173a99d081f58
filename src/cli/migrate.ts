/**
 * npm run migrate                  applies pending migrations to DATABASE_URL (default: the SQLite file)
 */
import { readDatabaseUrl } from '../config.ts';
import { deployMigrations } from '../db/migrate.ts';
import { redactedUrl } from '../db/url.ts';

const USAGE = 'usage: migrate [deploy]   (a new migration: npm run migrate:new -- <name>)';

async function main(args: string[]): Promise<number> {
  const [command = 'deploy', ...rest] = args;
  if (command === 'deploy' && rest.length === 0) {
    const databaseUrl = readDatabaseUrl();
    const started = performance.now();
    const applied = await deployMigrations(databaseUrl);
    const took = `${Math.round(performance.now() - started)} ms`;
    if (applied.length === 0) {
      console.log(`${redactedUrl(databaseUrl)} is up to date (${took})`);
    } else {
      console.log(`Applied ${applied.length} migration(s) to ${redactedUrl(databaseUrl)} (${took}):`);
      for (const name of applied) console.log(`  ${name}`);
    }
    return 0;
  }
  console.error(USAGE);
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
