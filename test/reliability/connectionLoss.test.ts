import pLimit from 'p-limit';
import pg from 'pg';
import pino from 'pino';
import { createApp } from '../../src/app.ts';
import { connectDb, type Db } from '../../src/db/client.ts';
import { isConnectionLoss, wasNeverSent } from '../../src/db/connectionLoss.ts';
import { CommitOutcomeUnknown, runTransaction } from '../../src/db/transaction.ts';
import { createGraphQL } from '../../src/graphql/yoga.ts';
import { CASE, REGISTER, seedExample } from '../graphql/operations.ts';
import { onPostgres, POSTGRES_SERVER_URL, terminateSessions } from '../support/database.ts';
import { connectionTerminated, losingConnectionAtCommit } from '../support/faults.ts';
import { test as base, describe, expect } from '../support/fixtures.ts';
import { paymentBody, restClient } from '../support/rest.ts';
import { expectClean } from './expect.ts';
import { type Cut, startPostgresProxy } from './postgresProxy.ts';
import { connectionLossScenario } from './scenarios.ts';

const silent = pino({ level: 'silent' });

/** The shapes met on PostgreSQL when backends are terminated (see src/db/connectionLoss.ts). */
const SHAPES = {
  fatalInFlight: Object.assign(new Error('Raw query failed. Code: `57P01`.'), {
    code: 'P2010',
    meta: {
      driverAdapterError: {
        name: 'DriverAdapterError',
        cause: { kind: 'postgres', code: '57P01', originalCode: '57P01', severity: 'FATAL', message: 'terminating connection due to administrator command' },
      },
    },
  }),
  socketClosed: connectionTerminated(),
  knownDead: new Error('Client has encountered a connection error and is not queryable'),
  reset: Object.assign(new Error('Server has closed the connection.'), {
    code: 'P1017',
    meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } },
  }),
  uniqueViolation: Object.assign(new Error('Unique constraint failed'), {
    code: 'P2002',
    meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', originalCode: '23505' } } },
  }),
  serializationFailure: Object.assign(new Error('write conflict'), {
    code: 'P2034',
    meta: { driverAdapterError: { cause: { kind: 'TransactionWriteConflict', originalCode: '40001' } } },
  }),
  syntaxError: Object.assign(new Error('Raw query failed. Code: `42601`.'), {
    code: 'P2010',
    meta: { driverAdapterError: { cause: { kind: 'postgres', code: '42601', severity: 'ERROR' } } },
  }),
};

describe('which failures are connection losses', () => {
  test('a terminated session, a closed socket and a client known dead are; constraint violations, conflicts and bad SQL are not', () => {
    expect(isConnectionLoss(SHAPES.fatalInFlight)).toBe(true);
    expect(isConnectionLoss(SHAPES.socketClosed)).toBe(true);
    expect(isConnectionLoss(SHAPES.knownDead)).toBe(true);
    expect(isConnectionLoss(SHAPES.reset)).toBe(true);
    expect(isConnectionLoss(SHAPES.uniqueViolation)).toBe(false);
    expect(isConnectionLoss(SHAPES.serializationFailure)).toBe(false);
    expect(isConnectionLoss(SHAPES.syntaxError)).toBe(false);
    expect(isConnectionLoss(new Error('Transaction already closed'))).toBe(false);
    // Only a statement pg refused to send is known not to have run.
    expect(wasNeverSent(SHAPES.knownDead)).toBe(true);
    expect(wasNeverSent(SHAPES.fatalInFlight)).toBe(false);
    expect(wasNeverSent(SHAPES.socketClosed)).toBe(false);
  });
});

/** A stand-in for the Prisma client's interactive transaction: runs the work, then fails as told. */
function fakeDb(failures: Array<{ during: 'work' | 'commit'; error: Error } | null>) {
  let attempts = 0;
  const db = {
    async $transaction(work: (tx: unknown) => Promise<unknown>) {
      const failure = failures[attempts++] ?? null;
      // Lost under one of the work's statements: the work never finishes.
      if (failure?.during === 'work') throw failure.error;
      const result = await work({});
      if (failure?.during === 'commit') throw failure.error;
      return result;
    },
  };
  return { db: db as unknown as Db, attempts: () => attempts };
}

describe('the transaction runner (runTransaction)', () => {
  const reruns: Array<{ name: string; failures: Parameters<typeof fakeDb>[0]; attempts: number }> = [
    { name: 'runs the work again, once, when the connection was lost before COMMIT', failures: [{ during: 'work', error: SHAPES.fatalInFlight }], attempts: 2 },
    {
      name: 'runs it again after a second loss during the rerun (one request can span two waves of a restart)',
      failures: [
        { during: 'work', error: SHAPES.fatalInFlight },
        { during: 'work', error: SHAPES.socketClosed },
      ],
      attempts: 3,
    },
    {
      name: 'runs it again when COMMIT was never sent (the client already knew its connection dead)',
      failures: [{ during: 'commit', error: SHAPES.knownDead }],
      attempts: 2,
    },
  ];
  for (const { name, failures, attempts: expected } of reruns)
    test(name, async () => {
      const { db, attempts } = fakeDb(failures);
      await expect(runTransaction(db, async () => 'stored')).resolves.toBe('stored');
      expect(attempts()).toBe(expected);
    });

  test('gives up after the third loss', async () => {
    const { db, attempts } = fakeDb([
      { during: 'work', error: SHAPES.fatalInFlight },
      { during: 'work', error: SHAPES.socketClosed },
      { during: 'work', error: SHAPES.fatalInFlight },
    ]);
    await expect(runTransaction(db, async () => 'stored')).rejects.toBe(SHAPES.fatalInFlight);
    expect(attempts()).toBe(3);
  });

  test('reports a loss while COMMIT was on its way as an unknown outcome, and does not run the work again', async () => {
    for (const error of [SHAPES.fatalInFlight, SHAPES.socketClosed, SHAPES.reset]) {
      const { db, attempts } = fakeDb([{ during: 'commit', error }]);
      await expect(runTransaction(db, async () => 'stored')).rejects.toBeInstanceOf(CommitOutcomeUnknown);
      expect(attempts()).toBe(1);
    }
  });

  test('never retries anything else', async () => {
    for (const error of [SHAPES.uniqueViolation, SHAPES.serializationFailure, SHAPES.syntaxError]) {
      for (const during of ['work', 'commit'] as const) {
        const { db, attempts } = fakeDb([{ during, error }]);
        await expect(runTransaction(db, async () => 'stored')).rejects.toBe(error);
        expect(attempts()).toBe(1);
      }
    }
  });
});

// --- registrations whose COMMIT lost its connection, on either database, through both faces ---

const test = base
  .override('tenantName', 'Lost connections')
  .extend('graphqlOver', ({ tenant }) => async (db: Db, input: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const yoga = createGraphQL({ db, logger: silent });
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey, ...headers },
      body: JSON.stringify({ query: REGISTER, variables: { input } }),
    });
    return { status: response.status, body: (await response.json()) as any };
  })
  .extend('remaining', ({ harness: h, tenant }) => async (caseId: string): Promise<string> => {
    const r = await h.graphql(CASE, { id: caseId }, { apiKey: tenant.apiKey });
    return r.body.data.case.remainingTotal;
  })
  /** A connection to the server's maintenance database, outside the test database (Postgres only). */
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  .extend('admin', { scope: 'file' }, async ({}, { onCleanup }) => {
    const admin = new pg.Client({ connectionString: POSTGRES_SERVER_URL });
    await admin.connect();
    onCleanup(() => admin.end());
    return admin;
  })
  .extend('databaseName', { scope: 'file' }, ({ harness: h }) => decodeURIComponent(new URL(h.url).pathname.slice(1)))
  /** Ends every session of the test database; how many were running a statement or a transaction. */
  .extend(
    'terminateBackends',
    ({ admin, databaseName }) =>
      () =>
        terminateSessions(admin, databaseName),
  )
  .extend('proxy', { scope: 'file' }, async ({ harness: h }, { onCleanup }) => {
    const proxy = await startPostgresProxy(h.url);
    onCleanup(() => proxy.close());
    return proxy;
  })
  /** The test database through the proxy, which can cut a connection at an exact statement. */
  .extend('proxiedDb', { scope: 'file' }, async ({ proxy }, { onCleanup }) => {
    const db = await connectDb(proxy.url, { poolSize: 4 });
    onCleanup(() => db.$disconnect());
    return db;
  })
  /** Registers 50.00 on a new case of 500.00 over the proxied connection, cut as told: the case, the input and the first answer. */
  .extend('registerThroughCut', ({ tenant, graphqlOver, proxy, proxiedDb }) => async (reference: string, cut: Cut) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const input = seedExample(tenant.creditorId, theCase.id, { amount: '50.00', creditorPaymentReference: reference });
    const cutting = proxy.cutAt(cut);
    const first = await graphqlOver(proxiedDb, input);
    await cutting;
    return { theCase, input, first };
  })
  /**
   * Registers 120.00 on a new case of 500.00 on the test database, its COMMIT losing the
   * connection once (after the server committed, or before): the case, the input and the first answer.
   */
  .extend('registerLosingCommit', ({ harness: h, tenant, graphqlOver }) => async (reference: string | undefined, committed: boolean) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const input = seedExample(tenant.creditorId, theCase.id, { amount: '120.00', creditorPaymentReference: reference });
    const db = losingConnectionAtCommit(h.db, { committed });
    const first = await graphqlOver(db, input);
    expect(db.cuts).toBe(1);
    return { theCase, input, first };
  });

describe('a registration whose COMMIT lost its connection', () => {
  test('committed, its answer lost: it is found on another connection and acknowledged; a resend replays it', async ({
    harness: h,
    graphqlOver,
    registerLosingCommit,
    remaining,
  }) => {
    const { theCase, input, first } = await registerLosingCommit('LOST-ANSWER', true);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.registerPayment).toMatchObject({ replayed: false, userErrors: [], payment: { settledAmount: '120.00' } });
    const again = await graphqlOver(h.db, input);
    expect(again.body.data.registerPayment).toMatchObject({ replayed: true, payment: { id: first.body.data.registerPayment.payment.id } });
    expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(1);
    expect(await remaining(theCase.id)).toBe('380.00');
  });

  test('GraphQL: not committed and not found, 503 OUTCOME_UNKNOWN says a resend with the reference is safe; the resend stores it once', async ({
    harness: h,
    graphqlOver,
    registerLosingCommit,
    remaining,
  }) => {
    const { theCase, input, first } = await registerLosingCommit('LOST-COMMIT', false);
    expect(first.status).toBe(503);
    expect(first.body.data).toBeNull();
    expect(first.body.errors).toHaveLength(1);
    expect(first.body.errors[0]).toMatchObject({ path: ['registerPayment'], extensions: { code: 'OUTCOME_UNKNOWN' } });
    expect(first.body.errors[0].message).toMatch(/whether it was stored is unknown/);
    expect(first.body.errors[0].message).toMatch(/same creditorPaymentReference is safe/);
    expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(0);
    expect(await remaining(theCase.id)).toBe('500.00');
    const resent = await graphqlOver(h.db, input);
    expect(resent.body.data.registerPayment).toMatchObject({ replayed: false, userErrors: [] });
    expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(1);
    expect(await remaining(theCase.id)).toBe('380.00');
  });

  test("REST: 503 in Eve's error envelope, naming the Idempotency-Key; the resend stores it once", async ({ harness: h, tenant }) => {
    const theCase = await tenant.openCase({ capital: '500.00' });
    const body = paymentBody(tenant.creditorId, theCase.id, { amount: 75.5 });
    const headers = { 'idempotency-key': 'lost-commit-rest' };
    const app = await createApp({ db: losingConnectionAtCommit(h.db, { committed: false }), logLevel: 'silent' });
    try {
      const first = await restClient(app).post('/creditor--payments', body, { apiKey: tenant.apiKey, headers });
      expect(first.status).toBe(503);
      expect(first.body).toMatchObject({ _status: 'ERR', _error: { code: 503 } });
      expect(first.body._error.message).toMatch(/whether it was stored is unknown.*same Idempotency-Key is safe/);
      expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(0);
      const resent = await restClient(app).post('/creditor--payments', body, { apiKey: tenant.apiKey, headers });
      expect(resent.status).toBe(201);
      expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(1);
    } finally {
      await app.close();
    }
  });

  test('without a reference or key, the 503 says a resend could store it twice', async ({ registerLosingCommit }) => {
    const { first } = await registerLosingCommit(undefined, false);
    expect(first.status).toBe(503);
    expect(first.body.errors[0].message).toMatch(/could store it twice/);
  });
});

// --- PostgreSQL: real sessions terminated under real requests ---

describe.skipIf(!onPostgres)('PostgreSQL sessions terminated under load (SQLite has no connections to lose: skipped there)', () => {
  test('reads and registrations over GraphQL and REST, every session terminated 3 times meanwhile: no 5xx, nothing lost or doubled, every case adds up', async ({
    harness: h,
    tenant,
    terminateBackends,
  }) => {
    const app = await createApp({ db: h.db, logLevel: 'silent' });
    const key = { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' };
    const cases = await Promise.all(Array.from({ length: 4 }, () => tenant.openCase({ costs: '40.00', interest: '10.00', capital: '3000.00' })));
    const statuses: number[] = [];
    const unknown: number[] = [];
    const acknowledged = new Map<string, string>(); // reference -> payment id
    const register = async (i: number) => {
      const theCase = cases[i % cases.length]!;
      const reference = `LOAD-${i}`;
      const amount = 1000 + ((i * 37) % 9000);
      for (let send = 0; send < 2; send++) {
        let status: number;
        let id: string | undefined;
        if (i % 2 === 0) {
          const input = seedExample(tenant.creditorId, theCase.id, { amount: (amount / 100).toFixed(2), creditorPaymentReference: reference });
          const r = await h.graphql(REGISTER, { input }, { apiKey: tenant.apiKey });
          status = r.status;
          id = r.body.data?.registerPayment?.payment?.id;
        } else {
          const r = await app.inject({
            method: 'POST',
            url: '/creditor--payments',
            headers: key,
            payload: paymentBody(tenant.creditorId, theCase.id, { amount: amount / 100, creditor_payment_reference: reference }),
          });
          status = r.statusCode;
          id = r.json()._id;
        }
        statuses.push(status);
        if (id) acknowledged.set(reference, id);
        // The one 5xx allowed: the commit's outcome unknown; the client resends, as the answer says.
        if (status !== 503) return;
        unknown.push(i);
      }
    };
    const read = async (i: number) => {
      const theCase = cases[i % cases.length]!;
      const kind = Math.floor(i / 3) % 3; // i is a multiple of 3 here
      if (kind === 0)
        statuses.push(
          (await h.graphql('{ payments(first: 20) { edges { node { id caseInvoiceNumber case { remainingTotal } } } } }', {}, { apiKey: tenant.apiKey }))
            .status,
        );
      else if (kind === 1) statuses.push((await app.inject({ method: 'GET', url: `/cases/${theCase.id}`, headers: key })).statusCode);
      else statuses.push((await app.inject({ method: 'GET', url: '/creditor--payments?max_results=20', headers: key })).statusCode);
    };
    const limit = pLimit(16);
    // Every session ended after a quarter, half and three quarters of the work is answered: far
    // enough apart (120 answers) that no request meets two, since a request is retried once.
    const terminations: Array<Promise<{ ended: number; busy: number }>> = [];
    let answered = 0;
    const operations = Array.from({ length: 480 }, (_, i) =>
      limit(async () => {
        await (i % 3 === 0 ? read(i) : register(i));
        answered += 1;
        if (answered % 120 === 0 && answered < 480) terminations.push(terminateBackends());
      }),
    );
    await Promise.all(operations);
    const ended = await Promise.all(terminations);
    await app.close();

    // The terminations hit work in flight, or the test proved nothing.
    expect(ended).toHaveLength(3);
    expect(ended.reduce((n, t) => n + t.busy, 0)).toBeGreaterThan(0);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s === 503).length).toBe(unknown.length);
    const payments = await h.db.payment.findMany({ where: { caseId: { in: cases.map((c) => c.id) } } });
    // Every registration acknowledged, stored once, as the id it was acknowledged with.
    expect(acknowledged.size).toBe(320);
    expect(payments).toHaveLength(320);
    for (const p of payments) expect(acknowledged.get(p.creditorPaymentReference!)).toBe(p.id);
    for (const c of cases) {
      const after = await h.db.case.findUniqueOrThrow({ where: { id: c.id } });
      const settled = payments.filter((p) => p.caseId === c.id).reduce((sum, p) => sum + p.settledCosts + p.settledInterest + p.settledCapital, 0n);
      expect(after.remainingCosts + after.remainingInterest + after.remainingCapital + settled).toBe(305_000n);
      expect(after.version).toBe(payments.filter((p) => p.caseId === c.id).length);
    }
  }, 60_000);

  test('every idle session terminated, requests at once: none of them fails (the pool drops the dead connections before a retry)', async ({
    harness: h,
    tenant,
    terminateBackends,
  }) => {
    const failures: string[] = [];
    for (let round = 0; round < 15; round++) {
      // Fill the pool with idle connections, end their sessions, and ask at once.
      await Promise.all(Array.from({ length: 10 }, () => h.db.$queryRawUnsafe('SELECT 1 FROM pg_sleep(0.01)')));
      const asked = [
        terminateBackends(),
        ...Array.from({ length: 3 }, () => h.graphql('{ creditors(first: 5) { edges { node { id name } } } }', {}, { apiKey: tenant.apiKey })),
      ];
      const [, ...answers] = await Promise.all(asked);
      for (const a of answers as Array<{ status: number; body: { errors?: unknown } }>)
        if (a.status !== 200 || a.body.errors) failures.push(JSON.stringify(a.body));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('after a lost connection, a transaction starts on a connection opened since, not on one from before', async ({ harness: h, admin, databaseName }) => {
    // A backend told to end can still answer BEGIN before it does; a retried settlement must not bet on it.
    const db = await connectDb(h.url, { poolSize: 4 });
    const read = (sql: string) => db.$queryRawUnsafe<Array<{ pid: number }>>(sql).then((rows) => rows[0]!.pid); // then(): a Prisma query starts only when awaited
    try {
      // Three connections busy while a fourth is lost under a read (which is read again); the three come back idle afterwards.
      const busy = Array.from({ length: 3 }, () => read('SELECT pg_backend_pid() AS pid FROM pg_sleep(0.6)'));
      // The three are connected before the loss (on a slow host a connection can still be opening
      // when the fourth is lost, and one opened after the loss is rightly used again).
      const activeCount = async (sleep: string) =>
        (
          await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE $2 AND state = 'active'`, [
            databaseName,
            `%pg_sleep(${sleep})%`,
          ])
        ).rows[0]!.n;
      for (let i = 0; i < 100 && (await activeCount('0.6')) < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const slowRead = read('SELECT pg_backend_pid() AS pid FROM pg_sleep(0.3)');
      let victim: number | undefined;
      for (let i = 0; i < 50 && victim === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const active = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(0.3)%' AND state = 'active'`,
          [databaseName],
        );
        victim = active.rows[0]?.pid;
      }
      expect(victim).toBeDefined();
      await admin.query('SELECT pg_terminate_backend($1)', [victim]);
      expect(await slowRead).not.toBe(victim);
      const before = new Set(await Promise.all(busy));
      const inTransaction = await db.$transaction(async (tx) => (await tx.$queryRawUnsafe<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid'))[0]!.pid);
      expect(before.has(inTransaction)).toBe(false);
    } finally {
      await db.$disconnect();
    }
  });

  describe('a connection cut at an exact statement (through a proxy)', () => {
    test('COMMIT never reached the server: 503 OUTCOME_UNKNOWN, nothing stored; the resend stores it once', async ({
      harness: h,
      graphqlOver,
      remaining,
      proxiedDb: db,
      registerThroughCut,
    }) => {
      const { theCase, input, first } = await registerThroughCut('CUT-BEFORE-COMMIT', { statement: /^COMMIT$/, when: 'before' });
      expect(first.status).toBe(503);
      expect(first.body.errors[0].extensions.code).toBe('OUTCOME_UNKNOWN');
      expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(0);
      expect(await remaining(theCase.id)).toBe('500.00');
      const resent = await graphqlOver(db, input);
      expect(resent.body.data.registerPayment).toMatchObject({ replayed: false, userErrors: [] });
      expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(1);
    });

    test('COMMIT done, its answer lost: acknowledged with the stored payment, stored once', async ({ harness: h, remaining, registerThroughCut }) => {
      const { theCase, first } = await registerThroughCut('CUT-AFTER-COMMIT', { statement: /^COMMIT$/, when: 'after' });
      expect(first.status).toBe(200);
      expect(first.body.data.registerPayment).toMatchObject({ replayed: false, userErrors: [] });
      const stored = await h.db.payment.findMany({ where: { caseId: theCase.id } });
      expect(stored.map((p) => p.id)).toEqual([first.body.data.registerPayment.payment.id]);
      expect(await remaining(theCase.id)).toBe('450.00');
    });

    test('lost in the middle of the settlement: run again on a new connection, applied once', async ({ harness: h, registerThroughCut }) => {
      const { theCase, first } = await registerThroughCut('CUT-MID-SETTLEMENT', { statement: /^INSERT INTO "public"\."Payment"/, when: 'before' });
      expect(first.status).toBe(200);
      expect(first.body.data.registerPayment).toMatchObject({ replayed: false, userErrors: [], payment: { case: { remainingTotal: '450.00' } } });
      expect(await h.db.payment.count({ where: { caseId: theCase.id } })).toBe(1);
      const after = await h.db.case.findUniqueOrThrow({ where: { id: theCase.id } });
      expect([after.remainingCapital, after.version]).toEqual([45_000n, 1]);
    });

    test('a connection ended right after answering, while a transaction waits for it: the process survives and the transaction runs on another', async ({
      proxy,
    }) => {
      // pg-pool hands the connection to the waiting transaction in the same socket read that
      // brings the FATAL; Prisma listens for errors only once its checkout resolves. Without a
      // listener of our own, that 'error' event would have none and crash the process.
      const single = await connectDb(proxy.url, { poolSize: 1 });
      try {
        const cut = proxy.cutAt({ statement: /pg_sleep\(0\.05\)/, when: 'answered, then ended' });
        const read = single.$queryRawUnsafe<Array<{ n: number }>>('SELECT 1 AS n FROM pg_sleep(0.05)').then((rows) => rows);
        await new Promise((resolve) => setTimeout(resolve, 10));
        const waiting = single.$transaction(async (tx) => tx.account.count());
        expect(await read).toEqual([{ n: 1 }]);
        await cut;
        expect(await waiting).toBeGreaterThan(0);
      } finally {
        await single.$disconnect();
      }
    });

    test('a read whose answer was lost is read again', async ({ tenant, proxy, proxiedDb: db }) => {
      const cut = proxy.cutAt({ statement: /FROM ("public"\.)?"Creditor"/i, when: 'after' });
      const yoga = createGraphQL({ db, logger: silent });
      const response = await yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
        body: JSON.stringify({ query: '{ creditors(first: 5) { edges { node { id } } } }' }),
      });
      await cut;
      const body = (await response.json()) as any;
      expect(response.status).toBe(200);
      expect(body.data.creditors.edges.map((e: any) => e.node.id)).toEqual([tenant.creditorId]);
    });
  });

  test('scenario 4: 3 server processes under registration load, every session terminated twice: no 5xx, nothing lost', async ({ harness: h }) => {
    const result = await connectionLossScenario({ databaseUrl: h.url, processes: 3, registrations: 300, terminations: 2 });
    expectClean(result);
    expect(result.row.stored).toBe(300);
  }, 120_000);
});
