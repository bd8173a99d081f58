import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * What `npm start` and `npm run admin` run (package.json), built from the current source by
 * the suite's global setup (test/support/build.ts). The node running the tests runs them too.
 */
export const SERVER_COMMAND = [process.execPath, '--enable-source-maps', 'dist/server.js'] as const;
const ADMIN_COMMAND = [process.execPath, '--enable-source-maps', 'dist/cli/admin.js'] as const;

/** Runs the admin CLI as an operator would; returns its exit code and output. */
export function runAdmin(databaseUrl: string, args: string[]) {
  const [node, ...adminArgs] = ADMIN_COMMAND;
  const result = spawnSync(node, [...adminArgs, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the server on a free port (PORT=0) and waits until it answers. It runs what `npm start`
 * runs, as node itself, so `process` is the server and signals reach it directly; with `npm`,
 * through `npm start` as a container would, and `process` is npm.
 */
export async function startServer(env: Record<string, string>, { npm = false }: { npm?: boolean } = {}): Promise<ServerProcess> {
  const child = spawnServer(env, { npm });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const check = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`server exited:\n${output}`)));
  });
  return {
    url,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Spawns the server without waiting for it: for starts that are meant to fail. */
export function spawnServer(env: Record<string, string>, { npm = false }: { npm?: boolean } = {}): ChildProcess {
  const [node, ...serverArgs] = SERVER_COMMAND;
  const [command, args] = npm ? ['npm', ['start', '--silent']] : [node, serverArgs];
  return spawn(command, args, {
    cwd: REPO_ROOT,
    // npm runs `node` from PATH: the one running the tests comes first.
    env: {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // npm leads a process group of its own, so a test can clean up everything it started (kill -pid).
    detached: npm,
  });
}
