// Compiles the service and its CLIs to plain JavaScript in dist/, so production runs `node`
// with no transpiler: one ES module per entry point, the npm packages left as imports.
// Runs on `npm install` (postinstall, after generate) and by `npm run build`. The bench bundles
// its own servers the same way: `node scripts/build.mjs <outdir> <outbase> <entry>...`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const [outdir = 'dist', outbase = 'src', ...entries] = process.argv.slice(2);
const entryPoints = entries.length > 0 ? entries : ['src/server.ts', 'src/cli/admin.ts', 'src/cli/migrate.ts'];

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints,
  outbase,
  outdir,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
