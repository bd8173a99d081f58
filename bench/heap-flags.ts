/**
 * Which node flags pay for the production start: `node <flags> dist/server.js` started once per
 * argument (each argument is one whole set of flags), all driven with the bench's list (100 rows,
 * 16 connections) in interleaved rounds; prints req/s, CPU per request and peak RSS (VmHWM, from
 * the end of the warm-up) of each.
 *
 *   npx tsx bench/heap-flags.ts "--enable-source-maps" "--enable-source-maps --max-old-space-size=128"
 *
 * Env: DATABASE_URL (default: a fresh SQLite file with the bench's seed), BENCH_API_KEY (with
 * DATABASE_URL: a key of its seeded account), HEAP_SECONDS per round (10), HEAP_ROUNDS (3).
 * Run `npm run build` first.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { deployMigrations } from '../src/db/migrate.ts';
import { seed } from './seed.ts';

const SECONDS = Number(process.env.HEAP_SECONDS ?? 10);
const ROUNDS = Number(process.env.HEAP_ROUNDS ?? 3);
const sets = process.argv.length > 2 ? process.argv.slice(2) : [''];
const LIST = `query List($first: Int!) { payments(first: $first) { edges { node { id amount status caseInvoiceNumber caseReferenceNumber case { state } creditor { name } } } pageInfo { hasNextPage endCursor } } }`;
const body = JSON.stringify({ query: LIST, variables: { first: 100 } });
const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const dir = mkdtempSync(path.join(os.tmpdir(), 'payments-heap-'));
let url = process.env.DATABASE_URL;
let apiKey = process.env.BENCH_API_KEY ?? '';
if (!url) {
  url = `file:${path.join(dir, 'heap.db')}`;
  await deployMigrations(url);
  apiKey = (await seed(url)).apiKey;
}
const status = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
const cpu = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / ticks;
};

const servers: Array<{ flags: string; child: ChildProcess; url: string; ok: number; cpu: number }> = [];
try {
  for (const flags of sets) {
    const child = spawn(process.execPath, [...flags.split(/\s+/).filter(Boolean), 'dist/server.js'], {
      env: { ...process.env, DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO: 'false', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const address = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout!.on('data', (c) => {
        out += c;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
    });
    servers.push({ flags, child, url: address, ok: 0, cpu: 0 });
  }
  const load = (target: string, seconds: number) =>
    autocannon({
      url: `${target}/graphql`,
      method: 'POST',
      connections: 16,
      duration: seconds,
      body,
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    } as any);
  for (const s of servers) await load(s.url, 5); // warm-up
  for (const s of servers) resetPeak(s.child.pid!);
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of servers) {
      const before = cpu(s.child.pid!);
      const result = await load(s.url, SECONDS);
      s.cpu += cpu(s.child.pid!) - before;
      s.ok += (result as unknown as Record<string, number>)['2xx']!;
    }
  }
  console.log('| heap flags | req/s | CPU ms / request | peak RSS (MB) |\n|---|---:|---:|---:|');
  for (const s of servers)
    console.log(
      `| ${s.flags || '(none)'} | ${(s.ok / (SECONDS * ROUNDS)).toFixed(0)} | ${(s.cpu / s.ok).toFixed(2)} | ${(status(s.child.pid!, 'VmHWM') / 2 ** 20).toFixed(0)} |`,
    );
} finally {
  for (const s of servers) s.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

/** Peak RSS from the end of the warm-up on: the kernel's high-water mark is reset (clear_refs 5). */
function resetPeak(pid: number) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {}
}
