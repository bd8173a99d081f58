/**
 * The raw floor: what the benchmark's two operations cost with no framework, no GraphQL and
 * no ORM. A bare node:http server over the same driver the service uses (better-sqlite3 or
 * pg), answering the same POST /graphql bodies with the same JSON:
 *
 * - the payments list: one hand-written SQL JOIN (payment, case, creditor), newest first;
 * - registerPayment: the same validation (the domain's pure checkRegistration, no database),
 *   then one hand-written transaction: lock the case row (SELECT ... FOR UPDATE on Postgres,
 *   BEGIN IMMEDIATE on SQLite), look for an earlier payment with the reference, settle
 *   costs -> interest -> capital, update the case, insert the payment.
 *
 * Both check the API key like the service (one SELECT by key id, SHA-256, constant-time
 * compare, revocation), so the comparison is fair. Same durability settings as the service
 * (SQLite: WAL + synchronous=FULL; Postgres: the server's defaults) and the same pool size.
 *
 * Env: DATABASE_URL, PORT (0: any), DB_POOL_SIZE (Postgres, default 10).
 * GET /_queries answers how many SQL statements it has sent (the benchmark's round-trip count).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import Database from 'better-sqlite3';
import pg from 'pg';
import { newId } from '../src/domain/ids.ts';
import { formatOre } from '../src/domain/money.ts';
import { type CheckedRegistration, checkRegistration, registrationFingerprint } from '../src/domain/registration.ts';
import { type CaseBalance, settle } from '../src/domain/settlement.ts';
import { PAYMENT_COLUMNS, type PaymentColumn, valuesOf } from './columns.ts';

const url = process.env.DATABASE_URL ?? '';
const KEY_FORMAT = /^cpk_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;
let queries = 0;

interface ListRow {
  id: string;
  amount: bigint;
  status: string;
  createdAt: Date;
  invoiceNumber: string;
  referenceNumber: string;
  state: string;
  creditorName: string;
}
interface CaseRow {
  state: string;
  remainingCosts: bigint;
  remainingInterest: bigint;
  remainingCapital: bigint;
}
interface Settled {
  id: string;
  status: string;
  settled: bigint;
  replayed: boolean;
}
interface Store {
  apiKey(id: string): Promise<{ accountId: string; secretHash: string; revokedAt: unknown } | undefined>;
  list(accountId: string, take: number): Promise<ListRow[]>;
  register(accountId: string, r: CheckedRegistration, fingerprint: string, now: Date): Promise<Settled | 'not_found' | 'conflict'>;
}

const LIST_SQL = `
  SELECT p."id", p."amount", p."status", p."createdAt", c."invoiceNumber", c."referenceNumber", c."state", cr."name" AS "creditorName"
  FROM "Payment" p JOIN "Case" c ON c."id" = p."caseId" JOIN "Creditor" cr ON cr."id" = p."creditorId"
  WHERE p."accountId" = $1
  ORDER BY p."createdAt" DESC, p."id" DESC
  LIMIT $2`;

function paymentRecord(accountId: string, r: CheckedRegistration, caseId: string, c: CaseRow, fingerprint: string, now: Date) {
  // The domain's settlement is pure (no database): the floor applies the same rule.
  const s = settle(c as CaseBalance, r.amount);
  const settled = s.settledCosts + s.settledInterest + s.settledCapital;
  const id = newId();
  const etag = createHash('sha1')
    .update([id, now.toISOString(), s.status, r.amount, s.settledCosts, s.settledInterest, s.settledCapital].join('|'))
    .digest('hex');
  const after = s.caseAfter;
  return {
    id,
    settled,
    status: s.status,
    caseAfter: { costs: after.remainingCosts, interest: after.remainingInterest, capital: after.remainingCapital, state: after.state },
    values: valuesOf<PaymentColumn>(PAYMENT_COLUMNS, {
      id,
      accountId,
      creditorId: r.creditorId,
      caseId,
      currency: r.currency,
      amount: r.amount,
      settledCosts: s.settledCosts,
      settledInterest: s.settledInterest,
      settledCapital: s.settledCapital,
      status: s.status,
      statusReasonLocale: s.statusReasonLocale,
      bankTransactionDate: r.bankTransactionDate,
      clientRegistrationDate: r.clientRegistrationDate ?? now,
      bookingDate: settled > 0n ? now : null,
      creditorPaymentReference: r.creditorPaymentReference,
      invoiceNumber: null,
      idempotencyKey: null,
      requestHash: fingerprint,
      origin: r.origin,
      fileImportReportId: null,
      etag,
      createdAt: now,
      updatedAt: now,
    }),
  };
}

/** Every column of a payment, in Prisma's order (bench/columns.ts). */
const INSERT_PAYMENT_COLUMNS = PAYMENT_COLUMNS;

function sqliteStore(path: string): Store {
  // Waits for the write lock as long as the service does (its transactions wait up to 20 s).
  const db = new Database(path, { timeout: 20_000 });
  // The service's settings: WAL, and an fsync on every commit (synchronous=FULL).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.defaultSafeIntegers(true); // money columns come back as bigint, never as float
  const q = <T>(sql: string) => {
    const statement = db.prepare(sql.replace(/\$\d+/g, '?'));
    return {
      get: (...args: unknown[]) => {
        queries++;
        return statement.get(...args) as T | undefined;
      },
      all: (...args: unknown[]) => {
        queries++;
        return statement.all(...args) as T[];
      },
      run: (...args: unknown[]) => {
        queries++;
        return statement.run(...args);
      },
    };
  };
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString().replace('Z', '+00:00') : v);
  const apiKey = q<{ accountId: string; secretHash: string; revokedAt: unknown }>(
    `SELECT "accountId", "secretHash", "revokedAt" FROM "ApiKey" WHERE "id" = $1`,
  );
  const list = q<Omit<ListRow, 'createdAt'> & { createdAt: string }>(LIST_SQL);
  const lockCase = q<CaseRow>(
    `SELECT "state", "remainingCosts", "remainingInterest", "remainingCapital" FROM "Case" WHERE "id" = $1 AND "accountId" = $2 AND "creditorId" = $3`,
  );
  const earlier = q<{ id: string; requestHash: string; status: string; settled: bigint }>(
    `SELECT "id", "requestHash", "status", "settledCosts" + "settledInterest" + "settledCapital" AS "settled" FROM "Payment" WHERE "creditorId" = $1 AND "creditorPaymentReference" = $2`,
  );
  const updateCase = q(
    `UPDATE "Case" SET "remainingCosts" = $1, "remainingInterest" = $2, "remainingCapital" = $3, "state" = $4, "version" = "version" + 1, "updatedAt" = $5 WHERE "id" = $6`,
  );
  const insertPayment = q(
    `INSERT INTO "Payment" (${INSERT_PAYMENT_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${INSERT_PAYMENT_COLUMNS.map(() => '?').join(', ')})`,
  );
  const register = db.transaction((accountId: string, r: CheckedRegistration, fingerprint: string, now: Date): Settled | 'not_found' | 'conflict' => {
    const c = lockCase.get(r.caseId, accountId, r.creditorId);
    if (!c) return 'not_found';
    if (r.creditorPaymentReference !== null) {
      const found = earlier.get(r.creditorId, r.creditorPaymentReference);
      if (found) return found.requestHash === fingerprint ? { id: found.id, status: found.status, settled: found.settled, replayed: true } : 'conflict';
    }
    const p = paymentRecord(accountId, r, r.caseId!, c, fingerprint, now);
    updateCase.run(p.caseAfter.costs, p.caseAfter.interest, p.caseAfter.capital, p.caseAfter.state, iso(now), r.caseId);
    insertPayment.run(...p.values.map(iso));
    return { id: p.id, status: p.status, settled: p.settled, replayed: false };
  });
  return {
    apiKey: async (id) => apiKey.get(id),
    list: async (accountId, take) => list.all(accountId, take).map((row) => ({ ...row, createdAt: new Date(row.createdAt) })),
    // BEGIN IMMEDIATE takes the write lock first, as the service's first write does.
    register: async (accountId, r, fingerprint, now) => {
      queries += 2; // BEGIN IMMEDIATE, COMMIT
      return register.immediate(accountId, r, fingerprint, now);
    },
  };
}

function postgresStore(connectionString: string): Store {
  // TIMESTAMP(3) without a zone holds UTC wall time (as Prisma writes it); int8 is money in öre.
  pg.types.setTypeParser(1114, (text) => new Date(`${text.replace(' ', 'T')}Z`));
  pg.types.setTypeParser(20, (text) => BigInt(text));
  const pool = new pg.Pool({ connectionString, max: Number(process.env.DB_POOL_SIZE ?? 10) });
  const utc = (v: unknown) => (v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : typeof v === 'bigint' ? v.toString() : v);
  const query = async <T extends pg.QueryResultRow>(client: pg.Pool | pg.PoolClient, sql: string, args: unknown[] = []) => {
    queries++;
    return (await client.query<T>(sql, args.map(utc))).rows;
  };
  return {
    apiKey: async (id) =>
      (
        await query<{ accountId: string; secretHash: string; revokedAt: unknown }>(
          pool,
          `SELECT "accountId", "secretHash", "revokedAt" FROM "ApiKey" WHERE "id" = $1`,
          [id],
        )
      )[0],
    list: (accountId, take) => query<ListRow>(pool, LIST_SQL, [accountId, take]),
    register: async (accountId, r, fingerprint, now) => {
      const client = await pool.connect();
      try {
        await query(client, 'BEGIN');
        const [c] = await query<CaseRow>(
          client,
          `SELECT "state", "remainingCosts", "remainingInterest", "remainingCapital" FROM "Case" WHERE "id" = $1 AND "accountId" = $2 AND "creditorId" = $3 FOR UPDATE`,
          [r.caseId, accountId, r.creditorId],
        );
        if (!c) {
          await query(client, 'ROLLBACK');
          return 'not_found';
        }
        if (r.creditorPaymentReference !== null) {
          const [found] = await query<{ id: string; requestHash: string; status: string; settled: bigint }>(
            client,
            `SELECT "id", "requestHash", "status", "settledCosts" + "settledInterest" + "settledCapital" AS "settled" FROM "Payment" WHERE "creditorId" = $1 AND "creditorPaymentReference" = $2`,
            [r.creditorId, r.creditorPaymentReference],
          );
          if (found) {
            await query(client, 'ROLLBACK');
            return found.requestHash === fingerprint ? { id: found.id, status: found.status, settled: found.settled, replayed: true } : 'conflict';
          }
        }
        const p = paymentRecord(accountId, r, r.caseId!, c, fingerprint, now);
        await query(
          client,
          `UPDATE "Case" SET "remainingCosts" = $1, "remainingInterest" = $2, "remainingCapital" = $3, "state" = $4, "version" = "version" + 1, "updatedAt" = $5 WHERE "id" = $6`,
          [p.caseAfter.costs, p.caseAfter.interest, p.caseAfter.capital, p.caseAfter.state, now, r.caseId],
        );
        await query(
          client,
          `INSERT INTO "Payment" (${INSERT_PAYMENT_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${INSERT_PAYMENT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
          p.values,
        );
        await query(client, 'COMMIT');
        return { id: p.id, status: p.status, settled: p.settled, replayed: false };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

const store = url.startsWith('file:') ? sqliteStore(url.slice('file:'.length)) : postgresStore(url);

async function authenticate(key: string | undefined): Promise<string | null> {
  const match = key ? KEY_FORMAT.exec(key) : null;
  if (!key || !match) return null;
  const stored = await store.apiKey(match[1]!);
  const presented = createHash('sha256').update(key).digest();
  const expected = Buffer.from(stored?.secretHash ?? createHash('sha256').update('').digest('hex'), 'hex');
  return stored && expected.length === presented.length && timingSafeEqual(expected, presented) && !stored.revokedAt ? stored.accountId : null;
}

const cursorOf = (row: ListRow) => Buffer.from(`${row.createdAt.getTime()}:${row.id}`).toString('base64url');

async function answer(accountId: string, body: { query?: string; variables?: Record<string, any> }): Promise<unknown> {
  if (body.query?.includes('registerPayment')) {
    const now = new Date();
    const { registration, errors } = checkRegistration(body.variables?.input ?? {}, now);
    if (!registration?.caseId) return { data: { registerPayment: { replayed: false, userErrors: errors, payment: null } } };
    const result = await store.register(accountId, registration, registrationFingerprint(registration, registration.caseId), now);
    if (typeof result === 'string') {
      const error =
        result === 'conflict' ? { field: ['input', 'creditorPaymentReference'], code: 'CONFLICT' } : { field: ['input', 'case'], code: 'NOT_FOUND' };
      return { data: { registerPayment: { replayed: false, userErrors: [{ ...error, message: result }], payment: null } } };
    }
    return {
      data: {
        registerPayment: {
          replayed: result.replayed,
          userErrors: [],
          payment: { id: result.id, status: result.status.toUpperCase(), settledAmount: formatOre(result.settled) },
        },
      },
    };
  }
  const first = Math.min(100, Math.max(0, Number(body.variables?.first ?? 25)));
  const rows = await store.list(accountId, first + 1);
  const nodes = rows.slice(0, first);
  return {
    data: {
      payments: {
        edges: nodes.map((p) => ({
          node: {
            id: p.id,
            amount: formatOre(BigInt(p.amount)),
            status: p.status.toUpperCase(),
            caseInvoiceNumber: p.invoiceNumber,
            caseReferenceNumber: p.referenceNumber,
            case: { state: p.state },
            creditor: { name: p.creditorName },
          },
        })),
        pageInfo: { hasNextPage: rows.length > first, endCursor: nodes.length ? cursorOf(nodes.at(-1)!) : null },
      },
    },
  };
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/_queries') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ queries }));
    return;
  }
  if (req.method !== 'POST' || req.url !== '/graphql') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const accountId = await authenticate(req.headers['x-api-key'] as string | undefined);
      if (!accountId) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"errors":[{"message":"A valid x-api-key header is required.","extensions":{"code":"UNAUTHENTICATED"}}]}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const answered = JSON.stringify(await answer(accountId, body));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(answered);
    } catch (error) {
      // A failed request is counted as not answered; the floor keeps serving the others.
      console.error(error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(`raw floor listening on http://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
