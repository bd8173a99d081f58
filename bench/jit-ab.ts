/**
 * graphql-jit on and off, in one process, over one database: the same answers (including
 * errors: masked unexpected ones, null propagation, bad arguments, bad variables), and the
 * time per request for the benchmark's list, interleaved so noise falls on both.
 *
 *   npx tsx bench/jit-ab.ts          (makes its own SQLite database with a small seed)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createYoga } from 'graphql-yoga';
import pino from 'pino';
import { connectDb, type Db } from '../src/db/client.ts';
import { deployMigrations } from '../src/db/migrate.ts';
import { createGraphQL, type GraphQLOptions, interpretedGraphQLOptions } from '../src/graphql/yoga.ts';
import { seed } from './seed.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'payments-jit-'));
try {
  const url = `file:${path.join(dir, 'jit.db')}`;
  await deployMigrations(url);
  const seeded = await seed(url);
  const db = await connectDb(url);
  // The same database, but the case lookups fail: an unexpected error deep in a list.
  const failing = new Proxy(db, {
    get(target, key, receiver) {
      if (key === '$queryRaw' || key === '$queryRawUnsafe') {
        const run = Reflect.get(target, key, receiver) as (...args: unknown[]) => Promise<unknown>;
        return (sql: unknown, ...rest: unknown[]) =>
          /FROM \\?"Case\\?"/i.test(JSON.stringify(sql)) ? Promise.reject(new Error('disk on fire')) : run.call(target, sql, ...rest);
      }
      return Reflect.get(target, key, receiver);
    },
  }) as Db;
  const logger = pino({ level: 'silent' });
  // The product's app, and the same app without compiled execution.
  const both = (options: GraphQLOptions) => ({ jit: createGraphQL(options), interpreter: createYoga(interpretedGraphQLOptions(options)) });
  const yogas = both({ db, logger });
  const failingYogas = both({ db: failing, logger });
  const LIST = `query List($first: Int!) { payments(first: $first) { edges { node { id amount status caseInvoiceNumber caseReferenceNumber case { state } creditor { name } } } pageInfo { hasNextPage endCursor } } }`;
  const ask = async (yoga: (typeof yogas)['jit'], query: string, variables: Record<string, unknown> = {}) => {
    const response = await yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': seeded.apiKey },
      body: JSON.stringify({ query, variables }),
    });
    return `${response.status} ${await response.text()}`;
  };
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['list', LIST, { first: 100 }],
    ['bad argument (first: 101)', LIST, { first: 101 }],
    ['bad variable type', LIST, { first: 'ten' }],
    ['unknown field', '{ payments { edges { node { nope } } } }', {}],
    ['nullable root miss', '{ payment(id: "000000000000000000000000") { id } case(id: "nope") { id } }', {}],
    ['bad cursor', '{ payments(after: "xyz") { edges { cursor } } }', {}],
    [
      'decimal and date input errors',
      'mutation { registerPayment(input: { creditor: "x", case: "y", currency: SEK, amount: "1.001", bankTransactionDate: "soon", origin: "o" }) { userErrors { field code } payment { id } } }',
      {},
    ],
  ];
  let same = true;
  for (const [label, query, variables] of cases) {
    const [a, b] = [await ask(yogas.jit, query, variables), await ask(yogas.interpreter, query, variables)];
    if (a !== b) same = false;
    console.log(`${a === b ? 'same' : 'DIFFERENT'}  ${label}${a === b ? '' : `\n  jit:         ${a.slice(0, 400)}\n  interpreter: ${b.slice(0, 400)}`}`);
  }
  const [fa, fb] = [await ask(failingYogas.jit, LIST, { first: 3 }), await ask(failingYogas.interpreter, LIST, { first: 3 })];
  console.log(`${fa === fb ? 'same' : 'DIFFERENT'}  unexpected error in a list item (masked, null propagated): ${fa.slice(0, 300)}`);
  if (fa !== fb) console.log(`  interpreter: ${fb.slice(0, 300)}`);

  const times: Record<string, number[]> = { jit: [], interpreter: [] };
  for (let round = 0; round < 8; round++) {
    for (const [name, yoga] of Object.entries(yogas)) {
      const t = performance.now();
      for (let i = 0; i < 100; i++) await ask(yoga, LIST, { first: 100 });
      if (round > 0) times[name]!.push((performance.now() - t) / 100);
    }
  }
  for (const [name, t] of Object.entries(times)) {
    t.sort((x, y) => x - y);
    console.log(`${name.padEnd(12)} list of 100: median ${t[Math.floor(t.length / 2)]!.toFixed(2)} ms per request`);
  }
  await db.$disconnect();
  if (!same || fa !== fb) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
