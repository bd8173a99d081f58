/**
 * npm run migrate:new -- <name>    writes a new migration for both providers from the change to
 *                                  prisma/schema.prisma (needs the Postgres server of
 *                                  MIGRATE_SCRATCH_POSTGRES_URL for a scratch database)
 */
import { createMigration } from './migrations.ts';

const USAGE = 'usage: npm run migrate:new -- <name>   (name: letters, digits and _)';

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || rest.length > 0 || !/^\w+$/.test(name)) {
    console.error(USAGE);
    return 2;
  }
  const created = await createMigration(name);
  for (const [provider, folder] of Object.entries(created)) {
    console.log(folder ? `${provider}: created ${folder}` : `${provider}: no schema change, nothing created`);
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`migrate:new: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
