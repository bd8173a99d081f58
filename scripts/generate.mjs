// Derives the SQLite schema from prisma/schema.prisma and generates both clients.
// Runs on `npm install` (postinstall) and by hand after a schema change.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const source = readFileSync('prisma/schema.prisma', 'utf8');
const sqlite = source
  .replace('provider = "postgresql"', 'provider = "sqlite"')
  .replace('output        = "../src/db/generated/postgres"', 'output        = "../../src/db/generated/sqlite"')
  .replace(/^\/\/ The one source of truth[\s\S]*?\n\n/m, '// GENERATED from prisma/schema.prisma by scripts/generate.mjs: do not edit.\n\n')
  // Kysely's table types are generated once, from the source schema: both databases share them.
  .replace(/^(\/\/.*\n)*generator kysely \{[^}]*\}\n\n/m, '');
if (!sqlite.includes('"sqlite"') || !sqlite.includes('generated/sqlite') || sqlite.includes('prisma-kysely')) {
  throw new Error('prisma/schema.prisma no longer has the lines scripts/generate.mjs rewrites');
}
mkdirSync('prisma/sqlite', { recursive: true });
writeFileSync('prisma/sqlite/schema.prisma', sqlite);

// `prisma generate` insists on a native schema engine although generation is WASM, and tries
// to download one where none exists; the stub satisfies that check, for these two commands
// only (an engine of the developer's own, named in the same variable, is used instead).
// Generation needs no database: a DATABASE_URL of the shell's must not decide prisma.config.ts.
const env = {
  ...process.env,
  DATABASE_URL: '',
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || path.resolve('scripts/prisma-schema-engine-stub.sh'),
};
for (const schema of ['prisma/schema.prisma', 'prisma/sqlite/schema.prisma']) {
  execFileSync('npx', ['prisma', 'generate', '--schema', schema], { stdio: ['ignore', 'inherit', 'inherit'], env });
}
