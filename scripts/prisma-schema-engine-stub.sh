#!/bin/sh
# Prisma's CLI insists that a native schema engine exists before `generate`, although
# generation itself runs in WASM. The engine cannot be downloaded here; this stub
# satisfies the existence check. Migrations use src/db/migrate.ts (WASM engine) instead.
echo "schema engine stub: use npm run migrate" >&2
exit 1
