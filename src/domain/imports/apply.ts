import type { Db, Prisma } from '../../db/client.ts';
import { runTransaction } from '../../db/transaction.ts';
import { type FieldError, fieldMessage } from '../errors.ts';
import { newId } from '../ids.ts';
import { findEarlier, resolveCase, settledAmount, storeSettledPayment } from '../payments.ts';
import { checkRegistration, registrationFingerprint } from '../registration.ts';
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
  if (report.linesDone === 0) {
    let linesTotal = 0;
    try {
      for await (const line of importLines(fileBytes(db, report.id))) {
        linesTotal = line.ordinal;
        if (linesTotal > MAX_IMPORT_LINES)
          throw new ImportFileError(`the file has more than ${MAX_IMPORT_LINES} lines of payments; split it into smaller files`);
      }
    } catch (error) {
      if (!(error instanceof ImportFileError)) throw error;
      return finish(db, report, options, FILE_IMPORT_STATUS.failed, error.message);
    }
    report = await fenced(db, report, options, (tx, data) => tx.fileImportReport.update({ where: { id: report.id }, data: { ...data, linesTotal } }));
    options.onProgress?.(report);
  }

  let batch: ImportLine[] = [];
  for await (const line of importLines(fileBytes(db, report.id))) {
    if (line.ordinal <= report.linesDone) continue;
    batch.push(line);
    if (batch.length >= IMPORT_BATCH_SIZE) {
      report = await applyBatch(db, report, batch, options);
      options.onProgress?.(report);
      batch = [];
    }
  }
  if (batch.length > 0) {
    report = await applyBatch(db, report, batch, options);
    options.onProgress?.(report);
  }
  return finish(db, report, options, FILE_IMPORT_STATUS.completed, null);
}

/**
 * Runs `work` in a transaction that first checks this worker still holds the report at the
 * progress it last saw, and renews the lease: a worker whose lease another took applies nothing.
 */
async function fenced(
  db: Db,
  report: FileImportReport,
  options: RunOptions,
  work: (tx: Prisma.TransactionClient, lease: { leaseExpiresAt: Date }) => Promise<FileImportReport>,
): Promise<FileImportReport> {
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

/** Applies lines through the same rules as registerPayment, in the file's order, and advances the report past them. */
async function applyBatch(db: Db, report: FileImportReport, lines: ImportLine[], options: RunOptions): Promise<FileImportReport> {
  return fenced(db, report, options, async (tx, lease) => {
    const now = new Date();
    let stored = 0;
    let replayed = 0;
    let settled = 0n;
    const rejected: Prisma.RejectedLineCreateManyInput[] = [];
    // Ids that grow within the batch: a line's failures read back in the order they were found.
    const base = newId();
    const nextId = () => base.slice(0, 8) + (BigInt(`0x${base.slice(8)}`) + BigInt(rejected.length)).toString(16).padStart(16, '0').slice(-16);
    const reject = (line: ImportLine, errors: Array<{ field: string; code: string; message: string }>) => {
      for (const error of errors) rejected.push({ id: nextId(), reportId: report.id, lineNumber: line.lineNumber, ...error });
    };
    const inFileTerms = (errors: FieldError[]) => errors.map((e) => ({ field: columnOf(e.field), code: e.code, message: fieldMessage(e.message, columnOf) }));
    for (const line of lines) {
      if ('problem' in line) {
        reject(line, [{ field: LINE_FIELD, code: 'INVALID', message: line.problem }]);
        continue;
      }
      // The file's lines are the creditor system's registrations: the same checks, every failure of a line together.
      const { registration, parsed, errors } = checkRegistration({ ...line.input, origin: CREDITOR_SYSTEM_ORIGIN }, now);
      const target = await resolveCase(tx as Db, report.accountId, parsed, registration);
      errors.push(...target.errors);
      if (!registration || !target.case || errors.length > 0) {
        reject(line, inFileTerms(errors));
        continue;
      }
      const fingerprint = registrationFingerprint(registration, target.case.id);
      const earlier = await findEarlier(tx as Db, report.accountId, registration, null, fingerprint, target.case);
      if (earlier?.ok) {
        replayed += 1;
        continue;
      }
      if (earlier && !earlier.ok) {
        reject(line, inFileTerms(earlier.errors));
        continue;
      }
      const { payment } = await storeSettledPayment(tx, {
        id: newId(),
        accountId: report.accountId,
        registration,
        theCase: target.case,
        fingerprint,
        idempotencyKey: null,
        now,
        fileImportReportId: report.id,
      });
      stored += 1;
      settled += settledAmount(payment);
    }
    if (rejected.length > 0) await tx.rejectedLine.createMany({ data: rejected });
    const rejectedLines = new Set(rejected.map((r) => r.lineNumber)).size;
    return tx.fileImportReport.update({
      where: { id: report.id },
      data: {
        ...lease,
        linesDone: report.linesDone + lines.length,
        linesStored: { increment: stored },
        linesReplayed: { increment: replayed },
        linesRejected: { increment: rejectedLines },
        settledTotal: { increment: settled },
      },
    });
  });
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
