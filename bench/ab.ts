/**
 * Servers of this service side by side on one freshly seeded database, under the bench's list or
 * its writes, in interleaved rounds: how a change (another revision, other node flags, another
 * environment) is judged on a shared machine, where only what runs in the same minutes compares.
 * Prints req/s, CPU per request and peak RSS (from the end of the warm-up) of each server.
 *
 *   npx tsx bench/ab.ts [server ...]
 *
 * A server is "label|checkout|node flags|VAR=value,...": checkout is a directory holding a built
 * `dist/server.js` (another revision: `git worktree add <dir> <rev>`, then `npm ci` and
 * `npm run build` there), empty for this one. With only "label|checkout", it starts as that
 * checkout's `npm start` does (its flags and environment); with flags given, exactly those. No
 * argument: this checkout's `npm start` against itself, which shows the run's noise. For example:
 *
 *   npx tsx bench/ab.ts "before|/tmp/before" "after|"
 *   npx tsx bench/ab.ts "start|" "no heap bound||--liftoff-only|MALLOC_ARENA_MAX=2"
 *
 * Env: AB_DB (postgres | sqlite; postgres), AB_LOAD (list | write; list), AB_SECONDS per round
 * (6), AB_ROUNDS (4), BENCH_POSTGRES_URL (the server that gets a scratch database, as for
 * `npm run bench`). Run `npm run build` first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { deployMigrations } from '../src/db/migrate.ts';
import { cpuMs, procStatus, productionStart, ROOT, resetPeak } from './processes.ts';
import { seed } from './seed.ts';
import { listBody, listOk, writeOk, writes } from './workloads.ts';

const DB = process.env.AB_DB ?? 'postgres';
const LOAD = process.env.AB_LOAD ?? 'list';
const SECONDS = Number(process.env.AB_SECONDS ?? 6);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 4);
const POSTGRES_SERVER_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
if (!['postgres', 'sqlite'].includes(DB) || !['list', 'write'].includes(LOAD)) throw new Error('AB_DB is postgres or sqlite, AB_LOAD list or write');

interface Server {
  label: string;
  child: ChildProcess;
  url: string;
  answered: number;
  refused: number;
  cpu: number;
}

/** A server as its spec says (see above), started on a free port and answering. */
async function startServer(spec: string, databaseUrl: string): Promise<Server> {
  const [label = spec, checkout = '', flags, assignments] = spec.split('|');
  const root = path.resolve(ROOT, checkout || '.');
  const start = productionStart(root);
  const env: Record<string, string> = flags === undefined ? { ...start.env } : {};
  for (const assignment of (assignments ?? '').split(',').filter(Boolean))
    env[assignment.slice(0, assignment.indexOf('='))] = assignment.slice(assignment.indexOf('=') + 1);
  const nodeFlags = flags === undefined ? [...start.flags, ...start.heapFlags] : flags.split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, start.entry], {
    cwd: root,
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO: 'false', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!.replace('localhost', '127.0.0.1'));
    });
    child.on('exit', () => reject(new Error(`${label} exited:\n${output}`)));
  });
  return { label, child, url, answered: 0, refused: 0, cpu: 0 };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'payments-ab-'));
const scratch = `payments_ab_${process.pid}`;
const admin = async (statement: string) => {
  const client = new pg.Client(POSTGRES_SERVER_URL);
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
};
let databaseUrl = `file:${path.join(dir, 'ab.db')}`;
if (DB === 'postgres') {
  await admin(`CREATE DATABASE "${scratch}"`);
  const url = new URL(POSTGRES_SERVER_URL);
  url.pathname = `/${scratch}`;
  databaseUrl = url.toString();
}
const servers: Server[] = [];
try {
  await deployMigrations(databaseUrl);
  const seeded = await seed(databaseUrl);
  const specs = process.argv.length > 2 ? process.argv.slice(2) : ['A|', 'B|'];
  for (const spec of specs) servers.push(await startServer(spec, databaseUrl));
  // Writes go round-robin over 1,000 cases, as in the bench; the list reads the newest page.
  const cases = seeded.cases.slice(0, 1000);
  const load = (server: Server, seconds: number, round: string) => {
    const makeBody = LOAD === 'list' ? () => listBody(100) : writes(cases, `${server.label}-${round}`);
    const ok = LOAD === 'list' ? listOk : writeOk;
    let answered = 0;
    let refused = 0;
    return autocannon({
      url: `${server.url}/graphql`,
      connections: 16,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': seeded.apiKey },
          setupRequest: (request: Record<string, unknown>) => ({ ...request, body: makeBody() }),
          onResponse: (status: number, body: string) => {
            if (status === 200 && ok(body)) answered++;
            else refused++;
          },
        },
      ],
    }).then((result) => ({ answered, refused: refused + result.errors + result.timeouts }));
  };
  for (const server of servers) await load(server, 3, 'warm-up');
  for (const server of servers) resetPeak(server.child.pid!);
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of servers) {
      const before = cpuMs(server.child.pid!);
      const { answered, refused } = await load(server, SECONDS, String(round));
      server.cpu += cpuMs(server.child.pid!) - before;
      server.answered += answered;
      server.refused += refused;
    }
  }
  console.log(`${DB}, ${LOAD}: ${ROUNDS} interleaved rounds of ${SECONDS} s per server, 16 connections\n`);
  console.log('| server | req/s | CPU ms / request | peak RSS | refused or wrong |\n|---|---:|---:|---:|---:|');
  for (const s of servers) {
    const peak = procStatus(s.child.pid!, 'VmHWM') / 2 ** 20;
    console.log(`| ${s.label} | ${(s.answered / (SECONDS * ROUNDS)).toFixed(0)} | ${(s.cpu / s.answered).toFixed(2)} | ${peak.toFixed(0)} MB | ${s.refused} |`);
  }
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
  await Promise.all(servers.map((server) => new Promise((resolve) => (server.child.exitCode !== null ? resolve(null) : server.child.once('exit', resolve)))));
  rmSync(dir, { recursive: true, force: true });
  if (DB === 'postgres') await admin(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
}
