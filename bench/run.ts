/**
 * `npm run bench`: what the GraphQL facade costs over the raw driver.
 *
 * For SQLite (a temp file) and Postgres (a fresh database bench_<timestamp> on
 * BENCH_POSTGRES_URL's server, when reachable; dropped at the end) it migrates, bulk-seeds
 * 10,000 cases and 100,000 payments, starts the real server (src/server.ts) and the raw
 * floor (bench/raw-floor.ts) as child processes and drives them with autocannon at 16
 * connections: the payments list (batched, naive, raw floor), registerPayment spread over
 * 1,000 cases and on one hot case (GraphQL and raw floor), the server's peak RSS, and on
 * Postgres 1 vs 2 server processes. Prints one table and writes bench/RESULTS.md.
 *
 * Env: BENCH_DURATION (s per measurement, 10), BENCH_WARMUP (s per job, 5), BENCH_ROUNDS (2), BENCH_DB (sqlite|postgres:
 * only that one), BENCH_POSTGRES_URL (postgresql://postgres@127.0.0.1:5432/postgres),
 * BENCH_CPU_PROF (a directory: the servers run with node --cpu-prof and write profiles there),
 * BENCH_RESULTS (where to write the results; bench/RESULTS.md).
 *
 * Traffic goes to 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { connectDb } from '../src/db/client.ts';
import { deployMigrations } from '../src/db/migrate.ts';
import { urlForDatabase } from '../src/db/url.ts';
import { adminQuery } from '../test/support/database.ts';
import { naiveLoaders } from './naive.ts';
import { SEED, type Seeded, seed } from './seed.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 16;
const POSTGRES_SERVER_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PROFILE_DIR = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : null;
const RESULTS = path.resolve(ROOT, process.env.BENCH_RESULTS ?? 'bench/RESULTS.md');
const ONLY = process.env.BENCH_DB;

const LIST = `query List($first: Int!) {
  payments(first: $first) {
    edges { node { id amount status caseInvoiceNumber caseReferenceNumber case { state } creditor { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REGISTER = `mutation Register($input: RegisterPaymentInput!) {
  registerPayment(input: $input) { replayed userErrors { field code message } payment { id status settledAmount } }
}`;
const listBody = (first: number) => JSON.stringify({ query: LIST, variables: { first } });
const listOk = (body: string) => body.startsWith('{"data":{"payments":{"edges":[{') && !body.includes('"errors"');
const writeOk = (body: string) => body.includes('"userErrors":[]') && body.includes('"replayed":false') && !body.includes('"errors"');

// ---------------------------------------------------------------- processes

interface Proc {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs a TypeScript entry point as `node --import tsx <script>` (no tsx wrapper process: its pid is the server's). */
async function start(name: string, script: string, env: Record<string, string>): Promise<Proc> {
  // One directory per process: the tsx loader's thread writes a profile of its own beside the main one.
  const profile = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROFILE_DIR, name)}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
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
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      if (/error/i.test(output)) console.error(`${name} output:\n${output.slice(-3000)}`);
    },
  };
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Resets the kernel's peak-RSS mark (clear_refs 5), so VmHWM afterwards is the peak under load, not at start. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- load

interface Load {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  bad: number;
}

async function drive(
  targets: string[],
  apiKey: string,
  makeBody: () => string,
  ok: (body: string) => boolean,
  seconds: number,
  connections = CONNECTIONS,
): Promise<Load> {
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
  targets: string[];
  makeBody: () => string;
  ok: (body: string) => boolean;
}

/**
 * Runs jobs interleaved: ROUNDS rounds of each job in turn, DURATION / ROUNDS seconds each,
 * after a warm-up of each (JIT, heap, pools). On a shared, noisy machine this spreads
 * slow moments over all the jobs compared instead of letting one of them take them all.
 * req/s: all good answers over all rounds' seconds; p50 and p99: the mean over rounds.
 */
async function compare(apiKey: string, jobs: Job[]): Promise<Load[]> {
  for (const job of jobs) if (WARMUP > 0) await drive(job.targets, apiKey, job.makeBody, job.ok, WARMUP);
  const seconds = DURATION / ROUNDS;
  const runs: Load[][] = jobs.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, job] of jobs.entries()) runs[i]!.push(await drive(job.targets, apiKey, job.makeBody, job.ok, seconds));
  }
  return jobs.map((job, i) => {
    const r = runs[i]!;
    const load: Load = {
      rps: r.reduce((sum, l) => sum + l.ok, 0) / (seconds * ROUNDS),
      p50: Math.round(r.reduce((sum, l) => sum + l.p50, 0) / r.length),
      p99: Math.round(r.reduce((sum, l) => sum + l.p99, 0) / r.length),
      ok: r.reduce((sum, l) => sum + l.ok, 0),
      bad: r.reduce((sum, l) => sum + l.bad, 0),
    };
    console.log(
      `  ${job.label.padEnd(44)} ${load.rps.toFixed(0).padStart(6)} req/s  p50 ${load.p50} ms  p99 ${load.p99} ms${load.bad ? `  ${load.bad} FAILED` : ''}`,
    );
    if (load.bad > 0) throw new Error(`${job.label}: ${load.bad} requests failed or answered wrongly`);
    return load;
  });
}

/** Writes answered as stored (warm-ups included), per database: each must be in the database afterwards. */
let acknowledged = 0;
function writes(_seeded: Seeded, cases: Array<{ id: string; creditorId: string }>, tag: string) {
  let n = 0;
  return () => {
    const c = cases[n++ % cases.length]!;
    return JSON.stringify({
      query: REGISTER,
      variables: {
        input: {
          creditor: c.creditorId,
          case: c.id,
          currency: 'SEK',
          amount: '1.00',
          bankTransactionDate: 'Fri, 04 Jul 2025 16:20:41 GMT',
          creditorPaymentReference: `W-${tag}-${n}`,
          origin: 'creditor_system',
        },
      },
    });
  };
}

// ---------------------------------------------------------------- round trips

/**
 * SQL statements per request, counted where the driver is called (pg's Client#query,
 * better-sqlite3's prepare: one per statement, BEGIN and COMMIT included), in-process over
 * createApp and app.inject, so nothing else runs between reset and read.
 */
let statements = 0;
const pgQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pgQuery;
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (this: Database.Database, ...args: [string]) {
  statements++;
  return prepare.apply(this, args);
} as typeof prepare;

async function roundTrips(url: string, seeded: Seeded, what: 'lists' | 'writes') {
  const db = await connectDb(url);
  const count = async (naive: boolean, payloads: string[]) => {
    const app = await createApp({ db, logLevel: 'silent', createLoaders: naive ? naiveLoaders : undefined });
    const counts: number[] = [];
    for (const payload of payloads) {
      statements = 0;
      const response = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', 'x-api-key': seeded.apiKey },
        payload,
      });
      if (response.statusCode !== 200 || !(listOk(response.body) || writeOk(response.body)))
        throw new Error(`round-trip probe failed: ${response.body.slice(0, 300)}`);
      counts.push(statements);
    }
    await app.close();
    return counts;
  };
  const lists = [1, 10, 100].map(listBody);
  const spare = seeded.cases.slice(2000, 2002);
  const result =
    what === 'lists'
      ? { list: await count(false, lists), naive: await count(true, lists), write: [] }
      : { list: [], naive: [], write: await count(false, [writes(seeded, spare, 'trips')(), writes(seeded, spare, 'trips2')()]) };
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

// ---------------------------------------------------------------- one database

interface DbResult {
  name: string;
  seedSeconds: number;
  trips: { list: number[]; naive: number[]; write: number[]; rawList: number[]; rawWrite: number[] };
  list: Load;
  naive: Load;
  rawList: Load;
  spread: Load;
  rawSpread: Load;
  hot: Load;
  rawHot: Load;
  rssPeak: number;
  rssPeakNote: string;
  scale?: { list1: Load; list2: Load; write1: Load; write2: Load };
}

async function benchDatabase(name: 'SQLite' | 'Postgres', url: string): Promise<DbResult> {
  console.log(`\n== ${name}`);
  acknowledged = 0;
  await deployMigrations(url);
  const seeded = await seed(url);
  console.log(`  seeded ${SEED.cases} cases and ${seeded.payments} payments in ${seeded.seconds.toFixed(1)} s`);
  const env = { DATABASE_URL: url };
  const tag = name.toLowerCase();
  const pg2 = name === 'Postgres';

  // Every list measurement comes before any write: writes are the newest payments, and a
  // page of them would point at fewer distinct cases than the seeded one does.
  const listTrips = await roundTrips(url, seeded, 'lists');
  const server = await start(`graphql-${tag}`, 'src/server.ts', env);
  const raw = await start(`raw-floor-${tag}`, 'bench/raw-floor.ts', env);
  const naive = await start(`graphql-naive-${tag}`, 'bench/naive-server.ts', env);
  const procs = [server, raw, naive];
  try {
    await sameAnswer(server, raw, seeded.apiKey);
    const rawList = await rawTrips(raw, seeded.apiKey, [1, 10, 100].map(listBody));
    const spread = seeded.cases.slice(0, 1000);
    const hot = [seeded.cases[1000]!];
    const list = (label: string, targets: string[]): Job => ({ label, targets, makeBody: () => listBody(100), ok: listOk });
    const write = (label: string, targets: string[], cases: Seeded['cases'], id: string): Job => ({
      label,
      targets,
      makeBody: writes(seeded, cases, `${tag}-${id}`),
      ok: writeOk,
    });

    const peakReset = resetPeak(server.child.pid!);
    let sampled = procStatus(server.child.pid!, 'VmRSS');
    const sampler = setInterval(() => (sampled = Math.max(sampled, procStatus(server.child.pid!, 'VmRSS'))), 200);
    const r: Partial<DbResult> = { name, seedSeconds: seeded.seconds };
    [r.list, r.naive, r.rawList] = await compare(seeded.apiKey, [
      list('list, GraphQL (batched)', [server.url]),
      list('list, GraphQL naive (batching off)', [naive.url]),
      list('list, raw floor', [raw.url]),
    ]);
    await naive.stop();
    let second: Proc | undefined;
    let scaleList: Load[] = [];
    if (pg2) {
      second = await start(`graphql-${tag}-2`, 'src/server.ts', env);
      procs.push(second);
      scaleList = await compare(seeded.apiKey, [
        list('scale-out list, 1 process', [server.url]),
        list('scale-out list, 2 processes', [server.url, second.url]),
      ]);
    }
    [r.spread, r.rawSpread, r.hot, r.rawHot] = await compare(seeded.apiKey, [
      write('registerPayment, 1,000 cases, GraphQL', [server.url], spread, 's'),
      write('registerPayment, 1,000 cases, raw floor', [raw.url], spread, 'rs'),
      write('registerPayment, one hot case, GraphQL', [server.url], hot, 'h'),
      write('registerPayment, one hot case, raw floor', [raw.url], hot, 'rh'),
    ]);
    clearInterval(sampler);
    const hwm = procStatus(server.child.pid!, 'VmHWM');
    r.rssPeak = peakReset ? hwm : sampled;
    r.rssPeakNote = peakReset ? 'VmHWM after a reset at the start of the load' : 'VmRSS sampled every 200 ms under load';
    console.log(`  peak RSS under load: ${(r.rssPeak / 2 ** 20).toFixed(0)} MB (${r.rssPeakNote})`);
    if (second) {
      const more = seeded.cases.slice(3000, 4000);
      const [write1, write2] = await compare(seeded.apiKey, [
        write('scale-out writes, 1 process', [server.url], more, 'x1'),
        write('scale-out writes, 2 processes', [server.url, second.url], more, 'x2'),
      ]);
      r.scale = { list1: scaleList[0]!, list2: scaleList[1]!, write1: write1!, write2: write2! };
    }
    const spare = seeded.cases.slice(2002, 2004);
    const rawWrite = await rawTrips(raw, seeded.apiKey, [writes(seeded, spare, 'rtrips')(), writes(seeded, spare, 'rtrips2')()]);
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

function report(results: DbResult[], seconds: number): string {
  const lines: string[] = [];
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cpus = os.cpus();
  lines.push('# Benchmark results', '');
  lines.push(`- Date: ${when}`);
  lines.push(
    `- Machine: ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}; shared and noisy, so compare ratios within one run`,
  );
  lines.push(
    `- Node ${process.version}; Postgres: ${results.some((r) => r.name === 'Postgres') ? POSTGRES_SERVER_URL.replace(/\/\/[^@]*@/, '//') : 'not reached'}`,
  );
  lines.push(
    `- Command: \`npm run bench\` (BENCH_DURATION=${DURATION}, BENCH_WARMUP=${WARMUP}, BENCH_ROUNDS=${ROUNDS}); ${CONNECTIONS} connections (autocannon), ${DURATION} s per row in ${ROUNDS} rounds interleaved with the rows it is compared with, after ${WARMUP} s of warm-up each; took ${(seconds / 60).toFixed(1)} min`,
  );
  lines.push(
    `- Data: ${SEED.cases.toLocaleString('en')} cases, ${SEED.payments.toLocaleString('en')} payments, ${SEED.creditors} creditors in one account; the list's 100 newest payments point at 100 different cases`,
  );
  lines.push(
    '- List: `payments(first: 100) { edges { node { id amount status caseInvoiceNumber caseReferenceNumber case { state } creditor { name } } } pageInfo { hasNextPage endCursor } }`',
  );
  lines.push(
    "- Writes: `registerPayment` of 1.00 SEK with a unique `creditorPaymentReference`, round-robin over 1,000 cases or all on one hot case; every answer is checked (no userErrors, not a replay), and afterwards the hot case's balance is checked against its payments",
  );
  lines.push(
    "- Naive: the same app with naive loaders injected (bench/naive.ts): DataLoader without batching, one case lookup per row. Its per-request cache still lets a row's three case fields share one lookup and rows share a creditor's, so it is the kindest naive baseline (resolvers without any loader would send 3 case lookups and 1 creditor lookup per row)",
  );
  lines.push(
    '- Round trips: SQL statements per request (BEGIN and COMMIT included) counted at the driver (pg `Client#query`, better-sqlite3 `prepare`), for pages of 1 / 10 / 100',
  );
  lines.push('');
  lines.push('| database | workload | req/s | p50 ms | p99 ms | round trips / request | vs raw floor |');
  lines.push('|---|---|---:|---:|---:|---|---:|');
  for (const r of results) {
    const row = (what: string, l: Load, trips: string, floor?: Load) =>
      lines.push(`| ${r.name} | ${what} | ${fmt(l.rps)} | ${l.p50} | ${l.p99} | ${trips} | ${floor ? ratio(l.rps, floor.rps).toFixed(2) : ''} |`);
    row('1. list, GraphQL (batched)', r.list, r.trips.list.join(' / '), r.rawList);
    row('2. list, GraphQL naive (batching off)', r.naive, r.trips.naive.join(' / '), r.rawList);
    row('3. list, raw floor (node:http + one SQL JOIN)', r.rawList, r.trips.rawList.join(' / '));
    row('4. registerPayment, 1,000 cases, GraphQL', r.spread, `${r.trips.write[0]}`, r.rawSpread);
    row('4. registerPayment, 1,000 cases, raw floor', r.rawSpread, `${r.trips.rawWrite[0]}`);
    row('4. registerPayment, one hot case, GraphQL', r.hot, `${r.trips.write[0]}`, r.rawHot);
    row('4. registerPayment, one hot case, raw floor', r.rawHot, `${r.trips.rawWrite[0]}`);
    lines.push(`| ${r.name} | 5. server peak RSS under load | ${mb(r.rssPeak)} | | | | |`);
  }
  lines.push('', '## Targets', '');
  lines.push('| database | target | measured | |');
  lines.push('|---|---|---|---|');
  for (const r of results) {
    const t = (what: string, measured: string, ok: boolean) => lines.push(`| ${r.name} | ${what} | ${measured} | ${mark(ok)} |`);
    const floor = ratio(r.list.rps, r.rawList.rps);
    const naive = ratio(r.list.rps, r.naive.rps);
    t('list >= 0.5 x raw floor', `${floor.toFixed(2)}`, floor >= 0.5);
    t('list >= 5 x naive', `${naive.toFixed(1)}`, naive >= 5);
    const same = r.trips.list.every((n) => n === r.trips.list[0]);
    t('round trips the same for 1, 10, 100 rows, at most 3', r.trips.list.join(' / '), same && r.trips.list[0]! <= 3);
    const w = ratio(r.spread.rps, r.rawSpread.rps);
    t('writes >= 0.5 x raw floor (1,000 cases)', `${w.toFixed(2)}`, w >= 0.5);
    const h = ratio(r.hot.rps, r.spread.rps);
    t('hot case >= 0.3 x spread', `${h.toFixed(2)}`, h >= 0.3);
    t('peak RSS under load <= 200 MB', mb(r.rssPeak), r.rssPeak <= 200 * 2 ** 20);
  }
  const scaled = results.find((r) => r.scale);
  if (scaled?.scale) {
    const s = scaled.scale;
    lines.push('', '## Scale-out: server processes on one Postgres database', '');
    lines.push(
      `${CONNECTIONS} connections in all, split evenly over the processes; p50/p99 are the worse process's. All processes, Postgres and the load generator share the same ${os.availableParallelism()} cores.`,
      '',
    );
    lines.push('| workload | processes | req/s | p50 ms | p99 ms | vs 1 process |');
    lines.push('|---|---:|---:|---:|---:|---:|');
    lines.push(`| list (first: 100) | 1 | ${fmt(s.list1.rps)} | ${s.list1.p50} | ${s.list1.p99} | 1.00 |`);
    lines.push(`| list (first: 100) | 2 | ${fmt(s.list2.rps)} | ${s.list2.p50} | ${s.list2.p99} | ${ratio(s.list2.rps, s.list1.rps).toFixed(2)} |`);
    lines.push(`| registerPayment, 1,000 cases | 1 | ${fmt(s.write1.rps)} | ${s.write1.p50} | ${s.write1.p99} | 1.00 |`);
    lines.push(
      `| registerPayment, 1,000 cases | 2 | ${fmt(s.write2.rps)} | ${s.write2.p50} | ${s.write2.p99} | ${ratio(s.write2.rps, s.write1.rps).toFixed(2)} |`,
    );
  }
  for (const r of results) lines.push('', `${r.name}: seeded in ${r.seedSeconds.toFixed(1)} s; peak RSS is ${r.rssPeakNote}.`);
  return `${lines.join('\n')}\n`;
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

const table = report(results, (performance.now() - started) / 1000);
writeFileSync(RESULTS, table + handWritten());
console.log(`\n${table}`);
console.log(`written to ${path.relative(ROOT, RESULTS)}${PROFILE_DIR ? `; CPU profiles in ${PROFILE_DIR}` : ''}`);
