import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './processes.ts';

/** Vitest global setup: builds dist/ from the current source once, so spawned servers run this code. */
export function setup() {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}${build.stdout}`);
}
