/**
 * Bytes a request allocates, by the function that allocated them: V8's sampling heap profiler
 * with the objects already collected kept in. Unlike req/s it does not move with the machine's
 * load, so a change on the read path can be judged on a busy machine (allocation drives the
 * garbage collector, which took a fifth to a quarter of a list request's CPU).
 *
 *   npx tsx bench/allocations.ts [<database url> <api key>] [requests=200] [top=25]
 *
 * Without a database: a fresh SQLite file with the bench's seed. The request is the bench's list
 * (100 rows with their case projections), sent in-process through the whole HTTP app.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.ts';
import { connectDb } from '../src/db/client.ts';
import { deployMigrations } from '../src/db/migrate.ts';
import { seed } from './seed.ts';
import { listBody } from './workloads.ts';

const [urlArg, keyArg, requestsArg, topArg] = process.argv.slice(2);
const REQUESTS = Number(requestsArg ?? 200);
const TOP = Number(topArg ?? 25);

const dir = mkdtempSync(path.join(os.tmpdir(), 'payments-alloc-'));
let url = urlArg;
let apiKey = keyArg ?? '';
if (!url) {
  url = `file:${path.join(dir, 'bench.db')}`;
  await deployMigrations(url);
  apiKey = (await seed(url)).apiKey;
}
const db = await connectDb(url);
const app = await createApp({ db, logLevel: 'warn' });
const payload = listBody(100);
const once = async () => {
  const response = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, payload });
  if (!response.body.startsWith('{"data":{"payments":{"edges":[{')) throw new Error(`unexpected answer: ${response.body.slice(0, 300)}`);
};
// Warm: compiled operations, prepared statements, caches.
for (let i = 0; i < 200; i += 1) await once();

const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
} as never);
for (let i = 0; i < REQUESTS; i += 1) await once();
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: SampleNode } };

interface SampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampleNode[];
}
const bySite = new Map<string, number>();
let total = 0;
const walk = (node: SampleNode) => {
  const { functionName, url: file, lineNumber } = node.callFrame;
  const where = file.includes('node_modules/') ? file.split('node_modules/').pop()! : file.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
  const site = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) walk(child);
};
walk(profile.head);
const kb = (bytes: number) => `${(bytes / REQUESTS / 1024).toFixed(1)} KB`;
console.log(`${kb(total)} allocated per request (${REQUESTS} requests of the bench's 100-row list)\n`);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${kb(bytes).padStart(10)}  ${site}`);

await app.close();
await db.$disconnect();
rmSync(dir, { recursive: true, force: true });
