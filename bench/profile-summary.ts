/**
 * Summarises a V8 CPU profile (node --cpu-prof; `BENCH_CPU_PROF=dir npm run bench` writes one
 * per server): self time by package and by function, and the inclusive time of the frames
 * that matter here (GraphQL execution, Prisma, the driver, HTTP), so "where does a request's
 * time go" has an answer in numbers.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };

// The servers run bundles (dist/, dist-bench/): their frames are put back in their source files
// through the bundles' source maps, so src/ and bench/ show up as themselves.
const maps = new Map<string, SourceMap | null>();
function sourceMapOf(url: string): SourceMap | null {
  if (!maps.has(url)) {
    const file = url.startsWith('file://') ? `${fileURLToPath(url)}.map` : '';
    maps.set(url, /\/dist(-bench)?\//.test(url) && existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null);
  }
  return maps.get(url)!;
}
for (const n of profile.nodes) {
  const map = n.callFrame.url ? sourceMapOf(n.callFrame.url) : null;
  const entry = map?.findEntry(n.callFrame.lineNumber, n.callFrame.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
  if (entry?.originalSource) n.callFrame = { ...n.callFrame, url: entry.originalSource, lineNumber: entry.originalLine ?? 0 };
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

function packageOf(url: string): string {
  if (!url) return '(native/V8)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const src = /\/(src|bench)\/(.*)$/.exec(url);
  return src ? `${src[1]}/${src[2]!.split('/')[0]}` : url;
}
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${packageOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const add = (map: Map<string, number>, key: string, v: number) => map.set(key, (map.get(key) ?? 0) + v);
const selfByPackage = new Map<string, number>();
const selfByFunction = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  add(selfByPackage, n.callFrame.url ? packageOf(n.callFrame.url) : n.callFrame.functionName || '(native/V8)', t);
  add(selfByFunction, label(n), t);
}

// Inclusive time per package: a sample counts once for every package on its stack.
const inclusiveByPackage = new Map<string, number>();
for (const [id, t] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const url = byId.get(cur)!.callFrame.url;
    if (url) seen.add(packageOf(url));
  }
  for (const p of seen) add(inclusiveByPackage, p, t);
}

/** Where the busy (non-idle) time went, by layer of the stack, from self time. */
const LAYERS: Array<[string, RegExp]> = [
  ['database: Prisma client, adapter, driver', /^(@prisma\/|better-sqlite3$|pg$|pg-|postgres-|wasm:)/],
  ['garbage collector', /^\(garbage collector\)$/],
  [
    'GraphQL: Yoga, envelop, executor, jit, Pothos, DataLoader, resolvers',
    /^(graphql|graphql-yoga|graphql-jit|@graphql-|@envelop\/|@pothos\/|@escape\.tech\/|@whatwg-node\/|dataloader|src\/graphql|fast-json-stringify)/,
  ],
  ['HTTP: Fastify, node:http, sockets', /^(fastify|find-my-way|avvio|light-my-request|@fastify\/|node:_http|node:net|node:stream|writev|node:events)/],
  ['domain and auth (src/domain, src/auth)', /^src\/(domain|auth)/],
];
const busyByLayer = new Map<string, number>();
let busy = 0;
for (const [key, t] of selfByPackage) {
  if (key === '(idle)') continue;
  busy += t;
  add(busyByLayer, LAYERS.find(([, re]) => re.test(key))?.[0] ?? 'other (node internals, tsx, microtasks)', t);
}

const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log(`\nbusy (not idle) time by layer: ${(busy / 1e6).toFixed(1)} s`);
for (const [k, t] of [...busyByLayer].sort((a, b) => b[1] - a[1])) console.log(`  ${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}`);
show('self time by package', selfByPackage);
show('inclusive time by package (on the stack)', inclusiveByPackage);
show('self time by function', selfByFunction);

// Inclusive time of the functions named in PROFILE_FUNCTIONS (comma-separated), if set.
const wanted = (process.env.PROFILE_FUNCTIONS ?? '').split(',').filter(Boolean);
if (wanted.length > 0) {
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur)!.callFrame.functionName;
      if (wanted.includes(name)) seen.add(name);
    }
    for (const name of seen) add(inclusive, name, t);
  }
  show('inclusive time of named functions', inclusive);
}
