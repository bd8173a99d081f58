#!/bin/sh
# Prisma's CLI insists that a native schema engine exists before `generate`, although
# generation itself runs in WASM. Where the engine cannot be downloaded, this stub satisfies
# the existence check: scripts/generate.mjs names it in PRISMA_SCHEMA_ENGINE_BINARY for its
# own `prisma generate` runs only. Migrations deploy through src/db/migrate.ts (WASM engine).
echo "schema engine stub: use npm run migrate (see docs/migrations.md)" >&2
exit 1
