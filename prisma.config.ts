import path from 'node:path';
import { defineConfig } from 'prisma/config';

// See scripts/prisma-schema-engine-stub.sh: generation must not try to download the engine.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve('scripts/prisma-schema-engine-stub.sh');

export default defineConfig({
  schema: process.env.PRISMA_SCHEMA ?? 'prisma/schema.prisma',
});
