import type { Db, Prisma } from '../../db/client.ts';
import { runTransaction } from '../../db/transaction.ts';
import { onSqlite } from '../../db/typedSql.ts';
import { isUniqueViolation, newSteps, planRegistrations, type RegistrationPlan, storeNewPayments } from '../bulkRegistration.ts';
import { type FieldError, fieldMessage } from '../errors.ts';
import { paymentsRegistered } from '../events.ts';
import { newId } from '../ids.ts';
import { settledAmount } from '../payments.ts';
import { CREDITOR_SYSTEM_ORIGIN, FILE_IMPORT_STATUS, IMPORT_BATCH_SIZE, MAX_IMPORT_LINES } from '../vocabulary.ts';
import { columnOf, ImportFileError, type ImportLine, importLines, LINE_FIELD } from './parse.ts';
import { type FileImportReport, fileBytes } from './reports.ts';

/** Another worker holds the report now (our lease expired): stop without applying anything more. */
export class LeaseLost extends Error {
  constructor(reportId: string) {
    super(`the lease on file import ${reportId} was lost`);
  }
}

// A batch waits for hot cases' locks like a registration does, and holds them a little longer.
const BATCH_TRANSACTION = { maxWait: 20_000, timeout: 60_000 };

export interface RunOptions {
  /** This worker's name, held in the report's lease. */
  owner: string;
  leaseMs: number;
  /** Called after each committed batch (the CLI's progress bar). */
  onProgress?: (report: FileImportReport) => void;
}

/**
 * Applies a claimed report's file: a first pass reads it through (format, header, line count)
 * so a file that cannot be imported fails before any line is applied; then its lines are applied
 * in batches, each in one transaction that also advances the report's progress, so after a crash
 * the next worker starts exactly after the last committed batch.
 */
export async function runImport(db: Db, claimed: FileImportReport, options: RunOptions): Promise<FileImportReport> {
  let report = claimed;
  const turns = new Turns();
  if (report.linesDone === 0) {
    let linesTotal = 0;
    try {
      for await (const line of importLines(fileBytes(db, report.id))) {
        linesTotal = line.ordinal;
        if (linesTotal > MAX_IMPORT_LINES)
          throw new ImportFileError(`the file has more than ${MAX_IMPORT_LINES} lines of payments; split it into smaller files`);
        if (linesTotal % 1000 === 0) await turns.maybeYield();
      }
    } catch (error) {
      if (!(error instanceof ImportFileError)) throw error;
      return finish(db, report, options, FILE_IMPORT_STATUS.failed, error.message);
    }
    report = await fenced(db, report, options, (tx, data) => tx.fileImportReport.update({ where: { id: report.id }, data: { ...data, linesTotal } }));
    options.onProgress?.(report);
  }

  // Pipelined: while one batch's transaction runs, the next batch's lines are read, checked and
  // looked up (on PostgreSQL the two overlap on two connections; on SQLite the lookups wait).
  // The lookups may miss what the running batch stores: settlement reads its cases again under
  // lock, and a reference stored meanwhile fails the insert and the batch is planned again.
  const sizes = new BatchSizes(db);
  let batch: ImportLine[] = [];
  let running: Promise<void> | null = null;
  const apply = async (lines: ImportLine[]) => {
    const plan = ignoredUntilAwaited(planBatch(db, report.accountId, lines));
    await running;
    running = ignoredUntilAwaited(
      (async () => {
        report = await applyBatch(db, report, lines, options, await plan);
        options.onProgress?.(report);
      })(),
    );
  };
  await turns.yield();
  for await (const line of importLines(fileBytes(db, report.id))) {
    if (line.ordinal <= report.linesDone) {
      if (line.ordinal % 1000 === 0) await turns.maybeYield();
      continue;
    }
    batch.push(line);
    if (batch.length >= sizes.next) {
      await apply(batch);
      batch = [];
      sizes.took(turns.sinceYield());
      await turns.yield();
    }
  }
  if (batch.length > 0) await apply(batch);
  await running;
  return finish(db, report, options, FILE_IMPORT_STATUS.completed, null);
}

/**
 * An import shares its process with every other request. On SQLite better-sqlite3 runs each
 * statement synchronously and a transaction's statements follow each other in microtasks, so
 * nothing else runs (not even a /health answer) until the import gives the event loop a turn, and
 * a reader waits for the batch's transaction anyway. So the import gives a turn after every batch
 * (and every so many lines while it only reads the file), and sizes its batches to a time budget.
 */
class Turns {
  #last = performance.now();
  sinceYield(): number {
    return performance.now() - this.#last;
  }
  async yield(): Promise<void> {
    // setImmediate runs after the pending I/O callbacks: waiting requests get their turn first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#last = performance.now();
  }
  async maybeYield(): Promise<void> {
    if (this.sinceYield() >= IMPORT_TURN_MS) await this.yield();
  }
}

/** How long an import may hold the event loop (and, on SQLite, the database) between turns. */
const IMPORT_TURN_MS = 200;
/**
 * Batches grow from IMPORT_BATCH_SIZE to this many lines while they fit the budget. Two batches are
 * in memory at once (pipelined). A 100,000-line import through a server process: at 1,000 lines
 * it peaked 20 to 40 MB higher than at 500 for no more speed; at 300 PostgreSQL took 18 s instead
 * of 15, while SQLite (whose statements run on the event loop's thread, and whose large
 * statements hold native memory until a collection) kept its speed and peaked 15 to 20 MB lower.
 */
const MAX_BATCH_LINES = { postgres: 500, sqlite: 300 };
const MIN_BATCH_LINES = 20;

/**
 * The number of lines the next batch takes: larger batches cost fewer statements per line, but a
 * batch is one turn of the event loop on SQLite, so its size follows how long the last one took.
 */
class BatchSizes {
  next = IMPORT_BATCH_SIZE;
  readonly #max: number;
  constructor(db: Db) {
    this.#max = onSqlite(db) ? MAX_BATCH_LINES.sqlite : MAX_BATCH_LINES.postgres;
  }
  took(ms: number): void {
    const fitting = Math.round((this.next * IMPORT_TURN_MS) / Math.max(ms, 1));
    // At most double at once (one fast batch says little), shrink at once (a slow one delays others now).
    this.next = Math.max(MIN_BATCH_LINES, Math.min(this.#max, this.next * 2, fitting));
  }
}

/**
 * Runs `work` in a transaction that first checks this worker still holds the report at the
 * progress it last saw, and renews the lease: a worker whose lease another took applies nothing.
 */
async function fenced<T>(
  db: Db,
  report: FileImportReport,
  options: RunOptions,
  work: (tx: Prisma.TransactionClient, lease: { leaseExpiresAt: Date }) => Promise<T>,
): Promise<T> {
  return runTransaction(
    db,
    async (tx) => {
      // The report's row is the first write: on Postgres it locks the row until this batch commits.
      const held = await tx.fileImportReport.updateMany({
        where: { id: report.id, leaseOwner: options.owner, linesDone: report.linesDone },
        data: { leaseExpiresAt: new Date(Date.now() + options.leaseMs) },
      });
      if (held.count !== 1) throw new LeaseLost(report.id);
      return work(tx, { leaseExpiresAt: new Date(Date.now() + options.leaseMs) });
    },
    BATCH_TRANSACTION,
  );
}

/** How often a batch is planned again when a concurrent registration took one of its references meanwhile. */
const MAX_PLANS = 3;

/** A batch's lines checked and what they name looked up: what its transaction needs. */
interface BatchPlan {
  now: Date;
  parsed: Array<Extract<ImportLine, { input: unknown }>>;
  planned: RegistrationPlan;
}

/** The file's lines are the creditor system's registrations: the same checks, every failure of a line together. */
async function planBatch(db: Db, accountId: string, lines: readonly ImportLine[]): Promise<BatchPlan> {
  const now = new Date();
  const parsed = lines.filter((line): line is Extract<ImportLine, { input: unknown }> => !('problem' in line));
  const planned = await planRegistrations(
    db,
    accountId,
    parsed.map((line) => ({ input: { ...line.input, origin: CREDITOR_SYSTEM_ORIGIN }, idempotencyKey: null })),
    now,
    { earlierNamed: 'payment' },
  );
  return { now, parsed, planned };
}

/**
 * Applies lines through the same rules as registerPayment, in the file's order, and advances the
 * report past them: the batch is planned as a bulk is (a few lookups for all its lines), then its
 * good lines are stored and its bad ones recorded in one transaction with the report's progress.
 */
async function applyBatch(db: Db, report: FileImportReport, lines: ImportLine[], options: RunOptions, first: BatchPlan): Promise<FileImportReport> {
  let plan = first;
  for (let attempt = 1; ; attempt += 1) {
    const { now, parsed, planned } = plan;
    try {
      const { next, payments } = await fenced(db, report, options, async (tx, lease) => {
        const { payments } = await storeNewPayments(tx, report.accountId, newSteps(planned.steps), now, report.id);
        const rejected = rejectedLines(report.id, lines, parsed, planned.items);
        if (rejected.length > 0) await tx.rejectedLine.createMany({ data: rejected });
        const replayed = planned.steps.filter((s) => s !== null && s.kind !== 'new').length;
        const next = await tx.fileImportReport.update({
          where: { id: report.id },
          data: {
            ...lease,
            linesDone: report.linesDone + lines.length,
            linesStored: { increment: payments.length },
            linesReplayed: { increment: replayed },
            linesRejected: { increment: new Set(rejected.map((r) => r.lineNumber)).size },
            settledTotal: { increment: payments.reduce((sum, p) => sum + settledAmount(p), 0n) },
          },
        });
        return { next, payments };
      });
      // Committed: live subscribers see the import's payments as they see registered ones.
      paymentsRegistered(db, payments);
      return next;
    } catch (error) {
      // A registration (or the batch before) stored one of these references after the plan looked: plan again, it is now a replay or a conflict.
      if (isUniqueViolation(error) && attempt < MAX_PLANS) {
        plan = await planBatch(db, report.accountId, lines);
        continue;
      }
      throw error;
    }
  }
}

/** A promise awaited later: its rejection is not "unhandled" meanwhile (which would end the process). */
function ignoredUntilAwaited<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** One row per failure of each line that stored nothing, in the file's terms and order. */
function rejectedLines(
  reportId: string,
  lines: readonly ImportLine[],
  parsed: ReadonlyArray<Extract<ImportLine, { input: unknown }>>,
  failures: readonly FieldError[][],
): Prisma.RejectedLineCreateManyInput[] {
  const failuresOf = new Map(parsed.map((line, index) => [line, failures[index]!]));
  const rejected: Prisma.RejectedLineCreateManyInput[] = [];
  // Ids that grow within the batch: a line's failures read back in the order they were found.
  const base = newId();
  const nextId = () => base.slice(0, 8) + (BigInt(`0x${base.slice(8)}`) + BigInt(rejected.length)).toString(16).padStart(16, '0').slice(-16);
  for (const line of lines) {
    const errors =
      'problem' in line
        ? [{ field: LINE_FIELD, code: 'INVALID', message: line.problem }]
        : failuresOf.get(line)!.map((e) => ({ field: columnOf(e.field), code: e.code, message: fieldMessage(e.message, columnOf) }));
    for (const error of errors) rejected.push({ id: nextId(), reportId, lineNumber: line.lineNumber, ...error });
  }
  return rejected;
}

async function finish(
  db: Db,
  report: FileImportReport,
  options: RunOptions,
  status: typeof FILE_IMPORT_STATUS.completed | typeof FILE_IMPORT_STATUS.failed,
  failureReason: string | null,
): Promise<FileImportReport> {
  const done = await fenced(db, report, options, (tx) =>
    tx.fileImportReport.update({
      where: { id: report.id },
      data: { status, failureReason, finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null },
    }),
  );
  // The bytes served their purpose; the report (and its hash, which stops a second import) stays.
  await db.fileImportChunk.deleteMany({ where: { reportId: report.id } });
  options.onProgress?.(done);
  return done;
}
