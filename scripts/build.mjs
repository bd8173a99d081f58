// Compiles the service and its CLIs to plain JavaScript in dist/, so production runs `node`
// with no transpiler: one ES module per entry point, the npm packages left as imports.
// Runs on `npm install` (postinstall, after generate) and by `npm run build`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/server.ts', 'src/cli/admin.ts', 'src/cli/migrate.ts'],
  outbase: 'src',
  outdir: 'dist',
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
