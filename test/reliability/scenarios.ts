/**
 * Reliability scenarios over real server processes: load on one database from several
 * processes, concurrent retries, kill -9 under write load, and SIGTERM draining. Each
 * scenario is parameterised by size and returns its row of the reliability table and the
 * list of violations; the vitest tests run them small, test/reliability/run.ts at full size.
 *
 * Traffic goes only to 127.0.0.1 (the servers this module starts), in bounded counts with
 * timeouts on every request.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import pg from 'pg';
import { Pool } from 'undici';
import { createApiKey } from '../../src/auth/apiKeys.ts';
import { connectDb, type Db, type Payment } from '../../src/db/client.ts';
import { deployMigrations } from '../../src/db/migrate.ts';
import { databaseKindOf, urlForDatabase } from '../../src/db/url.ts';
import { createAccount } from '../../src/domain/accounts.ts';
import { closeCase, openCase } from '../../src/domain/cases.ts';
import { createCreditor } from '../../src/domain/creditors.ts';
import { formatOre, parseAmount } from '../../src/domain/money.ts';
import { REASON } from '../../src/domain/settlement.ts';
import { terminateSessions } from '../support/database.ts';
import { type ServerProcess, startServer } from '../support/processes.ts';

// --- the table ---

export interface ScenarioRow {
  scenario: string;
  database: 'sqlite' | 'postgres';
  processes: number;
  /** HTTP requests sent. */
  requests: number;
  /** Distinct registrations (a retried registration counts once). */
  registrations: number;
  /** Registrations that got a 2xx carrying a payment id. */
  acknowledged: number;
  /** Payments stored for the scenario's registrations. */
  stored: number;
  /** Payments found stored whose response never arrived (a crash cut it off): allowed, reported. */
  storedNotAcknowledged: number;
  /** Requests that got no HTTP answer at all (a killed server). */
  unanswered: number;
  duplicates: number;
  invariantViolations: number;
  serverErrors: number;
  /** Acknowledged payments that are not stored. */
  lost: number;
  /** 503s saying a commit's outcome is unknown (a lost database connection); the client resent them. */
  outcomeUnknown: number;
  seconds: number;
}

export interface ScenarioResult {
  row: ScenarioRow;
  /** Every problem found, one line each; empty when the scenario passed. */
  violations: string[];
}

const COLUMNS: Array<[keyof ScenarioRow, string]> = [
  ['scenario', 'scenario'],
  ['database', 'database'],
  ['processes', 'procs'],
  ['requests', 'requests'],
  ['registrations', 'registrations'],
  ['acknowledged', 'acknowledged'],
  ['stored', 'stored'],
  ['storedNotAcknowledged', 'stored, not acked'],
  ['unanswered', 'unanswered'],
  ['duplicates', 'duplicates'],
  ['invariantViolations', 'invariant violations'],
  ['serverErrors', '5xx'],
  ['lost', 'lost'],
  ['outcomeUnknown', '503 unknown'],
  ['seconds', 'seconds'],
];

export function formatTable(rows: ScenarioRow[]): string {
  const cells = [COLUMNS.map(([, title]) => title), ...rows.map((row) => COLUMNS.map(([key]) => String(row[key])))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  const line = (values: string[]) => `| ${values.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? ':' : '-') + '-'.repeat(w) + (i < 2 ? '-' : ':')).join('|')}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

// --- the data a scenario works on ---

type CaseState = 'OPEN' | 'PAID' | 'CLOSED';

interface FixtureCase {
  id: string;
  creditorId: string;
  invoiceNumber: string;
  hot: boolean;
  state: CaseState;
  costs: bigint;
  interest: bigint;
  capital: bigint;
  version: number;
}

interface Fixture {
  databaseUrl: string;
  accountId: string;
  apiKey: string;
  cases: FixtureCase[];
}

/** A deterministic random source, so a failing run can be repeated with its seed. */
export function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]! };
}
type Random = ReturnType<typeof randomSource>;

/**
 * One account with two creditors, `hot` open cases sized so the traffic aimed at them
 * overpays them about halfway through, and `cold` cases: mostly open, one already paid, one closed.
 */
async function createFixture(
  db: Db,
  databaseUrl: string,
  name: string,
  spec: { hot: number; cold: number; hotBalance: bigint; coldBalance: bigint },
  random: Random,
): Promise<Fixture> {
  const account = await createAccount(db, name);
  const { key } = await createApiKey(db, account.id);
  const creditors = [await createCreditor(db, account.id, `${name} Energy AB`), await createCreditor(db, account.id, `${name} Telco AB`)];
  const cases: FixtureCase[] = [];
  // Costs and interest a few percent of the balance, the rest capital: settlement crosses all three.
  const split = (total: bigint) => {
    const costs = (total * BigInt(random.int(1, 8))) / 100n;
    const interest = (total * BigInt(random.int(0, 6))) / 100n;
    return { costs, interest, capital: total - costs - interest };
  };
  const add = async (index: number, hot: boolean, total: bigint, close = false) => {
    const creditor = creditors[index % 2]!;
    const money = split(total);
    let created = await openCase(db, {
      creditorId: creditor.id,
      invoiceNumber: `${hot ? 'HOT' : 'COLD'}-${index}`,
      referenceNumber: `${7_000_000 + index}`,
      costs: formatOre(money.costs),
      interest: formatOre(money.interest),
      capital: formatOre(money.capital),
    });
    if (close) created = await closeCase(db, created.id);
    cases.push({
      id: created.id,
      creditorId: creditor.id,
      invoiceNumber: created.invoiceNumber,
      hot,
      state: created.state as CaseState,
      costs: created.remainingCosts,
      interest: created.remainingInterest,
      capital: created.remainingCapital,
      version: created.version,
    });
  };
  const vary = (base: bigint) => (base * BigInt(random.int(70, 130))) / 100n;
  for (let i = 0; i < spec.hot; i++) await add(i, true, vary(spec.hotBalance));
  for (let i = 0; i < spec.cold; i++) {
    if (i === 0)
      await add(1000 + i, false, 0n); // PAID from the start
    else if (i === 1)
      await add(1000 + i, false, vary(spec.coldBalance), true); // CLOSED
    else await add(1000 + i, false, vary(spec.coldBalance));
  }
  return { databaseUrl, accountId: account.id, apiKey: key, cases };
}

// --- registrations and how they are sent ---

type Api = 'graphql' | 'rest';

interface Registration {
  label: string;
  api: Api;
  theCase: FixtureCase;
  byInvoiceNumber: boolean;
  amount: bigint;
  /** GraphQL only: send the amount as a JSON number rather than a string. */
  amountAsNumber: boolean;
  reference: string | null;
  idempotencyKey: string | null;
  /** Unique within the scenario's account: ties each stored payment back to its registration. */
  clientRegistrationDate: Date;
}

const BANK_TRANSACTION_DATE = new Date('2025-07-04T16:20:41Z');
const FIRST_REGISTRATION_DATE = Date.UTC(2025, 0, 1);

type Identity = 'reference' | 'idempotencyKey' | 'none';

function planRegistrations(
  fixture: Fixture,
  count: number,
  random: Random,
  options: { hotShare: number; identities: Identity[]; maxAmount: number },
): Registration[] {
  const hot = fixture.cases.filter((c) => c.hot);
  const cold = fixture.cases.filter((c) => !c.hot);
  return Array.from({ length: count }, (_, i) => {
    // Every case gets at least one registration, so every settlement path is reached.
    const theCase =
      i < fixture.cases.length
        ? fixture.cases[i]!
        : hot.length > 0 && (cold.length === 0 || random.next() < options.hotShare)
          ? random.pick(hot)
          : random.pick(cold);
    const identity = random.pick(options.identities);
    return {
      label: `#${i}`,
      api: random.next() < 0.5 ? 'graphql' : 'rest',
      theCase,
      byInvoiceNumber: random.next() < 0.2,
      amount: BigInt(random.int(100, options.maxAmount)),
      amountAsNumber: random.next() < 0.3,
      reference: identity === 'reference' ? `REF-${i}-${random.int(0, 1e9).toString(36)}` : null,
      idempotencyKey: identity === 'idempotencyKey' ? `key-${i}-${random.int(0, 1e9).toString(36)}` : null,
      clientRegistrationDate: new Date(FIRST_REGISTRATION_DATE + i * 1000),
    };
  });
}

const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterPaymentInput!) {
    registerPayment(input: $input) {
      replayed
      userErrors { field message code }
      payment { id status settledAmount statusReasonLocale }
    }
  }
`;

/**
 * 80% of the registrations on 3 hot cases holding half of what is sent to them, the rest on 10
 * cold ones; each carries a reference or an Idempotency-Key, so a client may resend any of them.
 */
async function retriablePlan(db: Db, databaseUrl: string, name: string, registrations: number, random: Random) {
  const perHot = BigInt(Math.ceil((registrations * 0.8) / 3));
  const fixture = await createFixture(db, databaseUrl, name, { hot: 3, cold: 10, hotBalance: (perHot * 10_000n) / 2n, coldBalance: 20_000n }, random);
  const plan = planRegistrations(fixture, registrations, random, {
    hotShare: 0.8,
    identities: ['reference', 'reference', 'idempotencyKey'],
    maxAmount: 20_000,
  });
  return { fixture, plan };
}

function graphqlInput(r: Registration) {
  return {
    creditor: r.theCase.creditorId,
    ...(r.byInvoiceNumber ? { invoiceNumber: r.theCase.invoiceNumber } : { case: r.theCase.id }),
    currency: 'SEK',
    amount: r.amountAsNumber ? Number(formatOre(r.amount)) : formatOre(r.amount),
    bankTransactionDate: BANK_TRANSACTION_DATE.toISOString(),
    clientRegistrationDate: r.clientRegistrationDate.toISOString(),
    ...(r.reference !== null ? { creditorPaymentReference: r.reference } : {}),
    origin: 'creditor_system',
  };
}

/** The same registration as the seed's REST clients send it: snake_case, RFC 1123 dates, JSON numbers. */
function restBody(r: Registration) {
  return {
    creditor: r.theCase.creditorId,
    ...(r.byInvoiceNumber ? { invoice_number: r.theCase.invoiceNumber } : { case: r.theCase.id }),
    currency: 'SEK',
    amount: Number(formatOre(r.amount)),
    bank_transaction_date: BANK_TRANSACTION_DATE.toUTCString(),
    client_registration_date: r.clientRegistrationDate.toUTCString(),
    ...(r.reference !== null ? { creditor_payment_reference: r.reference } : {}),
    origin: 'creditor_system',
  };
}

interface Outcome {
  registration: Registration;
  api: Api;
  /** null: no HTTP answer (connection refused or reset). */
  status: number | null;
  paymentId: string | null;
  /** The registration stored a payment now (201 / replayed: false), rather than replaying one. */
  created: boolean;
  /** A 503 saying the commit's outcome is unknown, in the API's documented shape: resending is safe. */
  outcomeUnknown: boolean;
  /** What the answer said was settled, in öre, and the payment status (lowercase). */
  settled: bigint | null;
  paymentStatus: string | null;
  /** Why this answer is not an acknowledgment, for the violation list. */
  problem: string | null;
}

interface Target {
  url: string;
  pool: Pool;
}

const REQUEST_TIMEOUT_MS = 30_000;

function targetOf(url: string, connections = 16): Target {
  // Only ever our own servers on the loopback interface.
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`refusing to send load to ${url}: only 127.0.0.1 is a target`);
  return { url, pool: new Pool(url, { connections, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS }) };
}

/** An answered amount in öre, read by the domain's own amount parser rather than a second one here. */
function oreOf(answered: string): bigint {
  const parsed = parseAmount(answered, { allowZero: true });
  if ('problem' in parsed) throw new Error(`an answer carried ${JSON.stringify(answered)} as an amount (${parsed.problem})`);
  return parsed.ore;
}

/** Sends one registration and reads the answer as a client would: acknowledged only with a 2xx and a payment id. */
async function send(
  target: Target,
  apiKey: string,
  r: Registration,
  api: Api = r.api,
  extra: { requestId?: string; body?: (text: string) => Readable } = {},
): Promise<Outcome> {
  const outcome: Outcome = {
    registration: r,
    api,
    status: null,
    paymentId: null,
    created: false,
    outcomeUnknown: false,
    settled: null,
    paymentStatus: null,
    problem: null,
  };
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': apiKey };
  if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey;
  if (extra.requestId) headers['x-request-id'] = extra.requestId;
  const text = api === 'graphql' ? JSON.stringify({ query: REGISTER, variables: { input: graphqlInput(r) } }) : JSON.stringify(restBody(r));
  headers['content-length'] = String(Buffer.byteLength(text));
  let body: string;
  try {
    const response = await target.pool.request({
      path: api === 'graphql' ? '/graphql' : '/creditor--payments',
      method: 'POST',
      headers,
      body: extra.body ? extra.body(text) : text,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    outcome.status = response.statusCode;
    body = await response.body.text();
  } catch (error) {
    outcome.status = null;
    outcome.problem = `no answer: ${(error as { code?: string }).code ?? (error as Error).message}`;
    return outcome;
  }
  let json: any;
  try {
    json = JSON.parse(body);
  } catch {
    outcome.problem = `HTTP ${outcome.status} with a body that is not JSON: ${body.slice(0, 200)}`;
    return outcome;
  }
  if (outcome.status === 503) {
    outcome.outcomeUnknown =
      api === 'graphql'
        ? json?.errors?.length === 1 && json.errors[0].extensions?.code === 'OUTCOME_UNKNOWN' && /unknown/.test(json.errors[0].message)
        : json?._status === 'ERR' && json._error?.code === 503 && /unknown/.test(json._error.message);
  }
  if (api === 'graphql') {
    const result = json?.data?.registerPayment;
    if (outcome.status! >= 200 && outcome.status! < 300 && !json.errors && result?.payment?.id && result.userErrors?.length === 0) {
      outcome.paymentId = result.payment.id;
      outcome.created = result.replayed === false;
      outcome.settled = oreOf(result.payment.settledAmount);
      outcome.paymentStatus = String(result.payment.status).toLowerCase();
    } else {
      outcome.problem = `HTTP ${outcome.status}: ${JSON.stringify(json.errors ?? result?.userErrors ?? json).slice(0, 300)}`;
    }
  } else if ((outcome.status === 201 || outcome.status === 200) && typeof json?._id === 'string') {
    outcome.paymentId = json._id;
    outcome.created = outcome.status === 201;
    outcome.settled = oreOf(String(json.settled_amount));
    outcome.paymentStatus = json.status;
  } else {
    outcome.problem = `HTTP ${outcome.status}: ${body.slice(0, 300)}`;
  }
  return outcome;
}

// --- checking the ledger against what was sent and acknowledged ---

type ViolationKind = 'invariant' | '5xx' | 'lost' | 'duplicate';

class Findings {
  readonly lines: string[] = [];
  readonly counts: Record<ViolationKind, number> = { invariant: 0, '5xx': 0, lost: 0, duplicate: 0 };
  add(kind: ViolationKind, message: string) {
    this.counts[kind] += 1;
    // The first 50 of a kind say enough; the counts keep the rest.
    if (this.counts[kind] <= 50) this.lines.push(`${kind}: ${message}`);
  }
}

function settledOf(p: Payment): bigint {
  return p.settledCosts + p.settledInterest + p.settledCapital;
}

interface LedgerSummary {
  stored: number;
  acknowledged: number;
  storedNotAcknowledged: number;
}

/**
 * What the database holds, checked against what was sent and what was acknowledged:
 * every acknowledged payment stored exactly once and as sent, no payment without a
 * registration, and for every case: settled amounts add up exactly to what the case
 * lost, nothing negative, the state right and each payment's status consistent.
 */
async function checkLedger(
  db: Db,
  fixture: Fixture,
  registrations: Registration[],
  outcomes: Outcome[],
  findings: Findings,
  { requireEveryRegistrationStored }: { requireEveryRegistrationStored: boolean },
): Promise<LedgerSummary> {
  // One snapshot of both tables: a commit landing between two reads (a killed server's
  // last transaction, finished by Postgres after the kill) must not look like a violation.
  const reads: [ReturnType<Db['payment']['findMany']>, ReturnType<Db['case']['findMany']>] = [
    db.payment.findMany({ where: { accountId: fixture.accountId } }),
    db.case.findMany({ where: { accountId: fixture.accountId } }),
  ];
  const [payments, cases] = await (databaseKindOf(fixture.databaseUrl) === 'postgres'
    ? db.$transaction(reads, { isolationLevel: 'RepeatableRead' })
    : db.$transaction(reads));
  const storedByDate = new Map<number, Payment[]>();
  for (const p of payments) {
    const key = p.clientRegistrationDate.getTime();
    storedByDate.set(key, [...(storedByDate.get(key) ?? []), p]);
  }
  const acksOf = new Map<Registration, Outcome[]>();
  for (const o of outcomes) if (o.paymentId !== null) acksOf.set(o.registration, [...(acksOf.get(o.registration) ?? []), o]);

  let acknowledged = 0;
  let storedNotAcknowledged = 0;
  const matched = new Set<string>();
  for (const r of registrations) {
    const stored = storedByDate.get(r.clientRegistrationDate.getTime()) ?? [];
    for (const p of stored) matched.add(p.id);
    const acks = acksOf.get(r) ?? [];
    if (stored.length > 1) findings.add('duplicate', `registration ${r.label} is stored ${stored.length} times: ${stored.map((p) => p.id).join(', ')}`);
    const ackIds = new Set(acks.map((a) => a.paymentId!));
    if (ackIds.size > 1)
      findings.add('duplicate', `registration ${r.label} was acknowledged with ${ackIds.size} different payment ids: ${[...ackIds].join(', ')}`);
    if (acks.length === 0) {
      if (stored.length > 0) storedNotAcknowledged += 1;
      else if (requireEveryRegistrationStored) findings.add('invariant', `registration ${r.label} was never stored`);
      continue;
    }
    acknowledged += 1;
    for (const id of ackIds) {
      const payment = stored.find((p) => p.id === id) ?? payments.find((p) => p.id === id);
      if (!payment) {
        findings.add('lost', `registration ${r.label} was acknowledged as payment ${id}, which is not stored`);
        continue;
      }
      if (!stored.includes(payment)) {
        findings.add('invariant', `registration ${r.label} was acknowledged with payment ${id} of another registration`);
        continue;
      }
      const sameContent =
        payment.caseId === r.theCase.id &&
        payment.amount === r.amount &&
        payment.creditorPaymentReference === r.reference &&
        payment.idempotencyKey === (r.reference === null ? r.idempotencyKey : null);
      if (!sameContent) findings.add('invariant', `payment ${id} differs from registration ${r.label} that stored it`);
      for (const ack of acks) {
        if (ack.settled !== settledOf(payment) || ack.paymentStatus !== payment.status) {
          findings.add(
            'invariant',
            `payment ${id}: the answer said ${ack.paymentStatus} ${ack.settled}, the ledger holds ${payment.status} ${settledOf(payment)}`,
          );
        }
      }
    }
  }
  for (const p of payments) if (!matched.has(p.id)) findings.add('invariant', `payment ${p.id} matches no registration that was sent`);

  const paymentsOf = new Map<string, Payment[]>();
  for (const p of payments) paymentsOf.set(p.caseId, [...(paymentsOf.get(p.caseId) ?? []), p]);
  for (const start of fixture.cases) {
    const end = cases.find((c) => c.id === start.id)!;
    const own = paymentsOf.get(start.id) ?? [];
    const where = `case ${start.invoiceNumber}`;
    const sum = (pick: (p: Payment) => bigint) => own.reduce((total, p) => total + pick(p), 0n);
    for (const [part, before, after, settled] of [
      ['costs', start.costs, end.remainingCosts, sum((p) => p.settledCosts)],
      ['interest', start.interest, end.remainingInterest, sum((p) => p.settledInterest)],
      ['capital', start.capital, end.remainingCapital, sum((p) => p.settledCapital)],
    ] as const) {
      if (after < 0n) findings.add('invariant', `${where}: remaining ${part} is negative (${after})`);
      if (before - after !== settled) findings.add('invariant', `${where}: ${part} went from ${before} to ${after}, but its payments settled ${settled}`);
    }
    const total = end.remainingCosts + end.remainingInterest + end.remainingCapital;
    // Every settlement bumps the version once: payments stored == settlements applied.
    if (end.version - start.version !== own.length)
      findings.add('invariant', `${where}: ${own.length} payments stored, ${end.version - start.version} settlements applied`);
    const reasons = (reason: string) => own.filter((p) => p.statusReasonLocale === reason).length;
    if (start.state === 'OPEN') {
      const expected = total === 0n ? 'PAID' : 'OPEN';
      if (end.state !== expected) findings.add('invariant', `${where}: remaining total ${total} but state ${end.state}`);
      if (reasons(REASON.overpayment) > 1) findings.add('invariant', `${where}: ${reasons(REASON.overpayment)} overpayments`);
      if (end.state === 'OPEN' && reasons(REASON.overpayment) + reasons(REASON.caseAlreadyPaid) > 0)
        findings.add('invariant', `${where}: still open, yet paid off by a payment`);
      if (reasons(REASON.caseClosed) > 0) findings.add('invariant', `${where}: an open case got a case_closed payment`);
    } else {
      if (end.state !== start.state || total !== start.costs + start.interest + start.capital)
        findings.add('invariant', `${where}: a ${start.state} case changed`);
      const expectedReason = start.state === 'PAID' ? REASON.caseAlreadyPaid : REASON.caseClosed;
      if (reasons(expectedReason) !== own.length) findings.add('invariant', `${where}: a ${start.state} case took a payment not marked ${expectedReason}`);
    }
    for (const p of own) {
      const settled = settledOf(p);
      const bad = (what: string) => findings.add('invariant', `payment ${p.id} on ${where}: ${what}`);
      if (p.settledCosts < 0n || p.settledInterest < 0n || p.settledCapital < 0n) bad('a negative settled part');
      if (settled > p.amount) bad(`settled ${settled} of an amount of ${p.amount}`);
      if ((p.bookingDate === null) !== (settled === 0n)) bad('booking date does not match whether anything was settled');
      const consistent =
        p.statusReasonLocale === null
          ? p.status === 'completed' && settled === p.amount
          : p.statusReasonLocale === REASON.overpayment
            ? p.status === 'warning' && settled > 0n && settled < p.amount
            : p.statusReasonLocale === REASON.caseAlreadyPaid
              ? p.status === 'warning' && settled === 0n
              : p.statusReasonLocale === REASON.caseClosed && p.status === 'error' && settled === 0n;
      if (!consistent) bad(`status ${p.status} / ${p.statusReasonLocale} with ${settled} settled of ${p.amount}`);
    }
  }
  return { stored: payments.length, acknowledged, storedNotAcknowledged };
}

/** Answers that are not acknowledgments, for scenarios where every registration is valid and every server is up. */
function checkAnswers(
  outcomes: Outcome[],
  findings: Findings,
  { allowUnanswered, allowOutcomeUnknown = false }: { allowUnanswered: boolean; allowOutcomeUnknown?: boolean },
) {
  for (const o of outcomes) {
    if (o.outcomeUnknown && allowOutcomeUnknown) continue;
    if (o.status !== null && o.status >= 500) findings.add('5xx', `${o.api} ${o.registration.label}: ${o.problem}`);
    else if (o.status === null && !allowUnanswered) findings.add('invariant', `${o.api} ${o.registration.label}: ${o.problem}`);
    else if (o.status !== null && o.paymentId === null) findings.add('invariant', `${o.api} ${o.registration.label} was refused: ${o.problem}`);
  }
}

// --- processes ---

export type DatabaseKind = 'sqlite' | 'postgres';

export function kindOf(databaseUrl: string): DatabaseKind {
  return databaseKindOf(databaseUrl) === 'sqlite' ? 'sqlite' : 'postgres';
}

/**
 * The servers a scenario starts: node runs each one (startServer), so SIGKILL and SIGTERM reach the
 * server itself; whatever is still running when the scenario ends (a failure) is killed.
 */
class Servers {
  private readonly started: ServerProcess[] = [];
  constructor(private readonly databaseUrl: string) {}
  async start(extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
    const server = await startServer({ DATABASE_URL: this.databaseUrl, DEMO: 'false', ...extraEnv });
    this.started.push(server);
    return server;
  }
  startMany(count: number): Promise<ServerProcess[]> {
    return Promise.all(Array.from({ length: count }, () => this.start()));
  }
  killLeftovers() {
    for (const s of this.started) if (s.process.exitCode === null && s.process.signalCode === null) s.process.kill('SIGKILL');
  }
}

interface Scenario {
  started: number;
  random: Random;
  findings: Findings;
  db: Db;
  fleet: Servers;
}

/** Runs one scenario on a prepared database with its own fleet of servers, every server killed and the client closed afterwards. */
async function inScenario(databaseUrl: string, seed: number, run: (scenario: Scenario) => Promise<ScenarioResult>): Promise<ScenarioResult> {
  const started = performance.now();
  const random = randomSource(seed);
  const findings = new Findings();
  const db = await prepare(databaseUrl);
  const fleet = new Servers(databaseUrl);
  try {
    return await run({ started, random, findings, db, fleet });
  } finally {
    fleet.killLeftovers();
    await db.$disconnect();
  }
}

async function prepare(databaseUrl: string): Promise<Db> {
  await deployMigrations(databaseUrl);
  return connectDb(databaseUrl, { poolSize: 4 });
}

async function stopAll(servers: ServerProcess[], targets: Target[], findings: Findings) {
  await Promise.all(targets.map((t) => t.pool.close().catch(() => undefined)));
  const codes = await Promise.all(servers.map((s) => s.stop('SIGTERM')));
  codes.forEach((code, i) => {
    if (code !== 0) findings.add('invariant', `server ${i + 1} exited with ${code} on SIGTERM:\n${servers[i]!.output().slice(-2000)}`);
  });
}

function row(
  base: Pick<ScenarioRow, 'scenario' | 'database' | 'processes'>,
  started: number,
  outcomes: Outcome[],
  registrations: number,
  ledger: LedgerSummary,
  findings: Findings,
  extra: Partial<ScenarioRow> = {},
): ScenarioRow {
  return {
    ...base,
    requests: outcomes.length,
    registrations,
    acknowledged: ledger.acknowledged,
    stored: ledger.stored,
    storedNotAcknowledged: ledger.storedNotAcknowledged,
    unanswered: outcomes.filter((o) => o.status === null).length,
    duplicates: findings.counts.duplicate,
    invariantViolations: findings.counts.invariant,
    serverErrors: findings.counts['5xx'],
    lost: findings.counts.lost,
    outcomeUnknown: outcomes.filter((o) => o.outcomeUnknown).length,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    ...extra,
  };
}

// --- 1. several processes, one database, most traffic on a few hot cases ---

export interface LoadOptions {
  databaseUrl: string;
  processes: number;
  registrations: number;
  inFlight?: number;
  hotCases?: number;
  coldCases?: number;
  seed?: number;
}

export async function loadScenario(options: LoadOptions): Promise<ScenarioResult> {
  const { databaseUrl, processes, registrations, inFlight = 32, hotCases = 5, coldCases = 20, seed = 1 } = options;
  return inScenario(databaseUrl, seed, async ({ started, random, findings, db, fleet }) => {
    // Hot cases get 80% of the traffic; their balances are about half of what is aimed at them.
    const meanAmount = 10_000n; // öre: amounts are 1.00 to 200.00
    const perHot = BigInt(Math.ceil((registrations * 0.8) / hotCases));
    const perCold = BigInt(Math.ceil((registrations * 0.2) / coldCases));
    const fixture = await createFixture(
      db,
      databaseUrl,
      'Load',
      { hot: hotCases, cold: coldCases, hotBalance: (perHot * meanAmount) / 2n, coldBalance: perCold * meanAmount },
      random,
    );
    const plan = planRegistrations(fixture, registrations, random, {
      hotShare: 0.8,
      identities: ['reference', 'reference', 'reference', 'idempotencyKey', 'none'],
      maxAmount: 20_000,
    });
    const servers = await fleet.startMany(processes);
    const targets = servers.map((s) => targetOf(s.url));
    const limit = pLimit(inFlight);
    const outcomes = await Promise.all(plan.map((r, i) => limit(() => send(targets[i % targets.length]!, fixture.apiKey, r))));
    await stopAll(servers, targets, findings);
    checkAnswers(outcomes, findings, { allowUnanswered: false });
    const ledger = await checkLedger(db, fixture, plan, outcomes, findings, { requireEveryRegistrationStored: true });
    if (ledger.stored !== ledger.acknowledged) findings.add('invariant', `${ledger.stored} payments stored, ${ledger.acknowledged} acknowledged`);
    const statuses = await db.payment.groupBy({ by: ['status', 'statusReasonLocale'], where: { accountId: fixture.accountId }, _count: true });
    // The mix must reach every settlement path, or the scenario proves less than it claims.
    for (const reason of [null, REASON.overpayment, REASON.caseAlreadyPaid, REASON.caseClosed]) {
      if (!statuses.some((s) => s.statusReasonLocale === reason)) findings.add('invariant', `the load never produced a payment with status reason ${reason}`);
    }
    return {
      row: row({ scenario: '1 load, hot cases', database: kindOf(databaseUrl), processes }, started, outcomes, plan.length, ledger, findings),
      violations: findings.lines,
    };
  });
}

// --- 2. the same registration sent many times at once, to different processes ---

export interface RetryOptions {
  databaseUrl: string;
  processes: number;
  /** Distinct registrations; each is sent `retries` times at once. */
  registrations: number;
  retries?: number;
  seed?: number;
}

/** How each registration identifies itself, and which API its copies go through. */
const RETRY_VARIANTS: Array<{ identity: 'reference' | 'idempotencyKey'; api: Api | 'mixed' }> = [
  { identity: 'reference', api: 'graphql' },
  { identity: 'reference', api: 'rest' },
  { identity: 'idempotencyKey', api: 'graphql' },
  { identity: 'idempotencyKey', api: 'rest' },
  { identity: 'reference', api: 'mixed' },
  { identity: 'idempotencyKey', api: 'mixed' },
];

export async function retryScenario(options: RetryOptions): Promise<ScenarioResult> {
  const { databaseUrl, processes, registrations, retries = 20, seed = 2 } = options;
  return inScenario(databaseUrl, seed, async ({ started, random, findings, db, fleet }) => {
    const fixture = await createFixture(db, databaseUrl, 'Retry', { hot: 3, cold: 0, hotBalance: BigInt(registrations) * 2_000n, coldBalance: 0n }, random);
    const plan = planRegistrations(fixture, registrations, random, { hotShare: 1, identities: ['reference'], maxAmount: 5_000 }).map((r, i) => {
      const variant = RETRY_VARIANTS[i % RETRY_VARIANTS.length]!;
      return variant.identity === 'reference' ? r : { ...r, reference: null, idempotencyKey: `retry-${i}-${random.int(0, 1e9).toString(36)}` };
    });
    const servers = await fleet.startMany(processes);
    const targets = servers.map((s) => targetOf(s.url, retries));
    const outcomes: Outcome[] = [];
    for (const [i, r] of plan.entries()) {
      const variant = RETRY_VARIANTS[i % RETRY_VARIANTS.length]!;
      const copies = await Promise.all(
        Array.from({ length: retries }, (_, j) => {
          const api: Api = variant.api === 'mixed' ? (j % 2 === 0 ? 'graphql' : 'rest') : variant.api;
          return send(targets[j % targets.length]!, fixture.apiKey, r, api);
        }),
      );
      outcomes.push(...copies);
      // Unacknowledged copies are reported by checkAnswers below; here: one id, one creation.
      const ids = new Set(copies.filter((o) => o.paymentId !== null).map((o) => o.paymentId));
      const created = copies.filter((o) => o.created).length;
      const what = `registration ${r.label} (${variant.identity}, ${variant.api}) sent ${retries} times`;
      if (ids.size > 1) findings.add('duplicate', `${what}: answered with payment ids ${[...ids].join(', ')}`);
      if (created !== 1) findings.add('duplicate', `${what}: ${created} answers say the payment was stored now, not 1`);
    }
    await stopAll(servers, targets, findings);
    checkAnswers(outcomes, findings, { allowUnanswered: false });
    const ledger = await checkLedger(db, fixture, plan, outcomes, findings, { requireEveryRegistrationStored: true });
    if (ledger.stored !== ledger.acknowledged) findings.add('invariant', `${ledger.stored} payments stored, ${ledger.acknowledged} registrations acknowledged`);
    return {
      row: row({ scenario: `2 retries x${retries}`, database: kindOf(databaseUrl), processes }, started, outcomes, plan.length, ledger, findings),
      violations: findings.lines,
    };
  });
}

// --- 3. kill -9 under write load, restart, retry what was not acknowledged ---

export interface CrashOptions {
  databaseUrl: string;
  registrations: number;
  /** How many times the server is killed during the run. */
  crashes?: number;
  inFlight?: number;
  seed?: number;
}

export async function crashScenario(options: CrashOptions): Promise<ScenarioResult> {
  const { databaseUrl, registrations, crashes = 1, inFlight = 32, seed = 3 } = options;
  return inScenario(databaseUrl, seed, async ({ started, random, findings, db, fleet }) => {
    // Every registration carries a reference or an Idempotency-Key: the client can retry it safely after the crash.
    const { fixture, plan } = await retriablePlan(db, databaseUrl, 'Crash', registrations, random);
    // An impatient client sends some registrations twice at once (a retry while the first is in
    // flight): both answers must carry one payment, stored once, crash or no crash.
    const doubled = new Set(plan.filter(() => random.next() < 0.15));
    const outcomes: Outcome[] = [];
    const acked = new Set<Registration>();
    let storedNotAcknowledged = 0;
    let server = await fleet.start();
    let target = targetOf(server.url);
    let crashesLeft = crashes;
    let killedInFlight = 0;
    // Bounded: one round per crash, then at most two rounds of retries.
    for (let round = 0; round < crashes + 3 && acked.size < plan.length; round++) {
      const pending = plan.filter((r) => !acked.has(r));
      const killAt = crashesLeft > 0 ? acked.size + Math.max(1, Math.floor(pending.length / (crashesLeft + 1))) : Infinity;
      let killed: Promise<unknown> | null = null;
      let inFlightNow = 0;
      const limit = pLimit(inFlight);
      const sendOne = async (r: Registration) => {
        if (killed) return; // the server is down: the client holds its requests until it is back
        const copies = doubled.has(r) ? 2 : 1;
        inFlightNow += copies;
        const answers = await Promise.all(Array.from({ length: copies }, () => send(target, fixture.apiKey, r)));
        inFlightNow -= copies;
        outcomes.push(...answers);
        if (answers.some((o) => o.paymentId !== null)) acked.add(r);
        if (!killed && acked.size >= killAt) {
          killedInFlight += inFlightNow;
          // kill -9 while the other requests are in flight.
          const exited = new Promise((resolve) => server.process.once('exit', resolve));
          server.process.kill('SIGKILL');
          killed = exited;
        }
      };
      await Promise.all(pending.map((r) => limit(() => sendOne(r))));
      if (!killed) continue;
      await killed;
      crashesLeft -= 1;
      await target.pool.destroy().catch(() => undefined);
      // Before the restart: every acknowledged payment must be in the database already.
      const atCrash = await checkLedger(db, fixture, plan, outcomes, findings, { requireEveryRegistrationStored: false });
      storedNotAcknowledged += atCrash.storedNotAcknowledged;
      server = await fleet.start();
      target = targetOf(server.url);
    }
    await stopAll([server], [target], findings);
    // Answers cut off by the kill are expected; refusals and 5xx are not.
    checkAnswers(outcomes, findings, { allowUnanswered: true });
    if (killedInFlight === 0 && crashes > 0) findings.add('invariant', 'no request was in flight when the server was killed: the crash proved nothing');
    const ledger = await checkLedger(db, fixture, plan, outcomes, findings, { requireEveryRegistrationStored: true });
    if (ledger.stored !== plan.length) findings.add('invariant', `${ledger.stored} payments stored for ${plan.length} registrations after the retries`);
    return {
      row: row({ scenario: `3 kill -9 x${crashes}`, database: kindOf(databaseUrl), processes: 1 }, started, outcomes, plan.length, ledger, findings, {
        storedNotAcknowledged,
      }),
      violations: findings.lines,
    };
  });
}

// --- 3b. SIGTERM while requests are in flight: they all complete, then the process exits 0 ---

export interface DrainOptions {
  databaseUrl: string;
  /** Requests in flight when SIGTERM arrives (each on its own connection). */
  requests?: number;
  seed?: number;
}

export async function drainScenario(options: DrainOptions): Promise<ScenarioResult> {
  const { databaseUrl, requests = 32, seed = 4 } = options;
  return inScenario(databaseUrl, seed, async ({ started, random, findings, db, fleet }) => {
    const fixture = await createFixture(db, databaseUrl, 'Drain', { hot: 2, cold: 4, hotBalance: 100_000n, coldBalance: 50_000n }, random);
    const plan = planRegistrations(fixture, requests, random, { hotShare: 0.5, identities: ['reference', 'idempotencyKey', 'none'], maxAmount: 20_000 });
    // info: the server logs each request as it arrives ("incoming request", with our x-request-id).
    const server = await fleet.start({ LOG_LEVEL: 'info' });
    const target = targetOf(server.url, requests);
    // Each body is sent in two halves; the second waits until the server is shutting down, so
    // every request is accepted and still in flight when SIGTERM arrives.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slowBody = (text: string) =>
      Readable.from(
        (async function* () {
          const half = Math.floor(text.length / 2);
          yield Buffer.from(text.slice(0, half));
          await released;
          yield Buffer.from(text.slice(half));
        })(),
      );
    const pending = plan.map((r, i) => send(target, fixture.apiKey, r, r.api, { requestId: `drain-${i}`, body: slowBody }));
    const logged = (message: string) =>
      server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => {
          try {
            return JSON.parse(line) as { msg?: string; reqId?: string };
          } catch {
            return {};
          }
        })
        .filter((entry) => entry.msg === message);
    const accepted = () =>
      new Set(
        logged('incoming request')
          .map((e) => e.reqId)
          .filter((id): id is string => id?.startsWith('drain-') ?? false),
      );
    const waitFor = async (condition: () => boolean, ms: number) => {
      for (const deadline = Date.now() + ms; !condition() && Date.now() < deadline; ) await sleep(20);
      return condition();
    };
    if (!(await waitFor(() => accepted().size === requests, 15_000)))
      findings.add('invariant', `only ${accepted().size} of ${requests} requests reached the server before SIGTERM`);
    const acceptedAtSignal = accepted();
    const exitCode = server.stop('SIGTERM');
    if (!(await waitFor(() => logged('shutting down: draining requests in flight').length > 0, 10_000)))
      findings.add('invariant', 'the server did not log that it is shutting down');
    // The server is closing now; a moment later the rest of every body arrives.
    await sleep(200);
    const exitedEarly = server.process.exitCode !== null;
    if (exitedEarly) findings.add('invariant', `the server exited (${server.process.exitCode}) with ${requests} requests in flight`);
    release();
    const outcomes = await Promise.all(pending);
    for (const [i, o] of outcomes.entries()) {
      if (acceptedAtSignal.has(`drain-${i}`) && o.status === null)
        findings.add('invariant', `request drain-${i} was accepted before SIGTERM but got no complete answer: ${o.problem}`);
    }
    // The client keeps its connections open, as pooling clients do: the server must close them.
    const code = await Promise.race([exitCode, sleep(15_000, 'still running' as const, { ref: false })]);
    await target.pool.close().catch(() => undefined);
    if (code === 'still running') {
      findings.add('invariant', 'the server was still running 15 s after SIGTERM (drained, yet kept open by keep-alive connections?)');
      server.process.kill('SIGKILL');
    } else if (code !== 0) findings.add('invariant', `the server exited with ${code} after SIGTERM:\n${server.output().slice(-2000)}`);
    checkAnswers(outcomes, findings, { allowUnanswered: false });
    const ledger = await checkLedger(db, fixture, plan, outcomes, findings, { requireEveryRegistrationStored: true });
    if (ledger.stored !== ledger.acknowledged) findings.add('invariant', `${ledger.stored} payments stored, ${ledger.acknowledged} acknowledged`);
    return {
      row: row({ scenario: '3b SIGTERM drain', database: kindOf(databaseUrl), processes: 1 }, started, outcomes, plan.length, ledger, findings),
      violations: findings.lines,
    };
  });
}

// --- 4. the database ends every session of the service while it is under load ---

export interface ConnectionLossOptions {
  databaseUrl: string;
  processes: number;
  registrations: number;
  /** How many times every session of the database is terminated during the run. */
  terminations?: number;
  inFlight?: number;
  seed?: number;
}

/**
 * Registrations (GraphQL and REST, mostly on hot cases) and reads from several server processes
 * while `pg_terminate_backend` ends every session of the database, `terminations` times. Reads
 * and registrations must ride it out: no 5xx, except a 503 in its documented shape when a
 * commit's outcome is truly unknown, which the client resends as the answer says (every
 * registration here carries a reference or an Idempotency-Key). PostgreSQL only: SQLite has no
 * connections to lose.
 */
export async function connectionLossScenario(options: ConnectionLossOptions): Promise<ScenarioResult> {
  const { databaseUrl, processes, registrations, terminations = 2, inFlight = 32, seed = 5 } = options;
  if (kindOf(databaseUrl) !== 'postgres') throw new Error('the connection-loss scenario needs PostgreSQL: SQLite has no connections to lose');
  return inScenario(databaseUrl, seed, async ({ started, random, findings, db, fleet }) => {
    // The terminations come from the server's maintenance database, outside the one they end.
    const admin = new pg.Client({ connectionString: urlForDatabase(databaseUrl, 'postgres') });
    await admin.connect();
    try {
      const { fixture, plan } = await retriablePlan(db, databaseUrl, 'Lost', registrations, random);
      const servers = await fleet.startMany(processes);
      const targets = servers.map((s) => targetOf(s.url));
      const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
      const ended: Array<{ sessions: number; busy: number }> = [];
      const terminate = async () => {
        const { ended: sessions, busy } = await terminateSessions(admin, database);
        ended.push({ sessions, busy });
      };
      const outcomes: Outcome[] = [];
      const readStatuses: Array<{ what: string; status: number | null }> = [];
      let answered = 0;
      const terminateAt = Array.from({ length: terminations }, (_, i) => Math.floor(((i + 1) * registrations) / (terminations + 1)));
      const terminating: Array<Promise<void>> = [];
      const read = async (target: Target, r: Registration) => {
        const graphql = r.api === 'graphql';
        const what = graphql ? 'GraphQL payments list' : `GET /cases/${r.theCase.id}`;
        try {
          const response = await target.pool.request({
            path: graphql ? '/graphql' : `/cases/${r.theCase.id}`,
            method: graphql ? 'POST' : 'GET',
            headers: { 'x-api-key': fixture.apiKey, ...(graphql ? { 'content-type': 'application/json' } : {}) },
            body: graphql
              ? JSON.stringify({ query: '{ payments(first: 20) { edges { node { id caseInvoiceNumber case { remainingTotal } } } } }' })
              : undefined,
          });
          const text = await response.body.text();
          const failed = response.statusCode !== 200 || (graphql && JSON.parse(text).errors !== undefined);
          readStatuses.push({
            what: failed ? `${what}: ${text.slice(0, 200)}` : what,
            status: failed && response.statusCode === 200 ? 500 : response.statusCode,
          });
        } catch (error) {
          readStatuses.push({ what: `${what}: ${(error as Error).message}`, status: null });
        }
      };
      const limit = pLimit(inFlight);
      await Promise.all(
        plan.map((r, i) =>
          limit(async () => {
            const target = targets[i % targets.length]!;
            // A read beside every other registration, on the same process.
            const reading = i % 2 === 0 ? read(target, r) : null;
            // The client resends a registration answered "outcome unknown", as that answer says (bounded).
            for (let attempt = 0; attempt < 3; attempt++) {
              const outcome = await send(target, fixture.apiKey, r);
              outcomes.push(outcome);
              if (!outcome.outcomeUnknown) break;
            }
            await reading;
            answered += 1;
            if (answered === terminateAt[0]) {
              terminateAt.shift();
              terminating.push(terminate());
            }
          }),
        ),
      );
      await Promise.all(terminating);
      await stopAll(servers, targets, findings);
      if (ended.length !== terminations) findings.add('invariant', `${ended.length} of ${terminations} terminations ran`);
      if (ended.reduce((n, e) => n + e.busy, 0) === 0)
        findings.add('invariant', 'no session was busy when the sessions were terminated: the scenario proved nothing');
      for (const { what, status } of readStatuses) {
        if (status === null) findings.add('invariant', `read ${what} got no answer`);
        else if (status >= 500) findings.add('5xx', `read ${what}: HTTP ${status}`);
        else if (status !== 200) findings.add('invariant', `read ${what}: HTTP ${status}`);
      }
      checkAnswers(outcomes, findings, { allowUnanswered: false, allowOutcomeUnknown: true });
      const ledger = await checkLedger(db, fixture, plan, outcomes, findings, { requireEveryRegistrationStored: true });
      if (ledger.stored !== ledger.acknowledged) findings.add('invariant', `${ledger.stored} payments stored, ${ledger.acknowledged} acknowledged`);
      const sessions = ended.map((e) => `${e.sessions} (${e.busy} busy)`).join(', ');
      return {
        row: row({ scenario: `4 sessions ended x${terminations}`, database: 'postgres', processes }, started, outcomes, plan.length, ledger, findings, {
          requests: outcomes.length + readStatuses.length,
        }),
        violations: findings.lines.length > 0 ? [...findings.lines, `sessions terminated: ${sessions}`] : [],
      };
    } finally {
      await admin.end().catch(() => undefined);
    }
  });
}
