import { defineConfig } from 'prisma/config';
import { PRISMA_LAYOUT } from './src/db/prismaLayout.ts';
import { DEFAULT_DATABASE_URL, databaseKindOf } from './src/db/url.ts';

// The database the service uses, so `prisma migrate status|deploy|dev` (where the native
// engine exists) act on it, with the schema and migration folder of its provider. `--schema`
// still overrides the schema; keep it to the same provider. Paths are relative to this file.
const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const layout = PRISMA_LAYOUT[databaseKindOf(url)];

export default defineConfig({
  schema: layout.schema,
  migrations: { path: layout.migrations },
  datasource: { url },
});
