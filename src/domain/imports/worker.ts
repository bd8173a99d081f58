import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../../db/client.ts';
import { runTransaction } from '../../db/transaction.ts';
import { onSqlite, typedSql } from '../../db/typedSql.ts';
import { FILE_IMPORT_STATUS } from '../vocabulary.ts';
import { LeaseLost, runImport } from './apply.ts';
import type { FileImportReport } from './reports.ts';

/**
 * Imports run in the background of every server process. A worker claims one report at a time
 * with a lease (an owner and an expiry on the report's row), renewed by each batch it commits;
 * a crashed worker's report is taken by another once the lease expires, and a batch commits only
 * while its worker still holds the lease at the progress it saw, so no line is applied twice.
 * Leases on the report's own row rather than a job library: the progress a resumed import needs
 * lives on that row anyway, it works the same on SQLite and PostgreSQL, and it adds no tables,
 * no second connection pool and no dependency (docs/imports.md).
 */
export interface ImportWorkerOptions {
  /** How long a claim holds without a committed batch (default 30 s). */
  leaseMs?: number;
  /** How often an idle worker looks for queued reports (default 1 s). */
  pollMs?: number;
  log?: { error(object: unknown, message: string): void };
}

export interface ImportWorker {
  /** Looks for work now (after an upload) instead of at the next poll. */
  nudge(): void;
  /** Stops after the batch in progress (its transaction commits or rolls back whole). */
  stop(): Promise<void>;
}

export const DEFAULT_LEASE_MS = 30_000;

export function startImportWorker(db: Db, options: ImportWorkerOptions = {}): ImportWorker {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = options.pollMs ?? 1000;
  let stopped = false;
  let wake: (() => void) | null = null;
  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      timer.unref();
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wake = null;
    });
  const loop = (async () => {
    while (!stopped) {
      try {
        const report = await claimReport(db, owner, leaseMs);
        if (report) {
          await runImport(db, report, { owner, leaseMs });
          continue;
        }
      } catch (error) {
        // A lost lease is another worker's turn; anything else leaves the report to be claimed again when its lease expires.
        if (!(error instanceof LeaseLost) && !stopped) options.log?.error({ err: error }, 'file import failed; it is retried when its lease expires');
      }
      if (!stopped) await sleep();
    }
  })();
  return {
    nudge: () => wake?.(),
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/**
 * Claims the oldest report that is queued, or running under an expired lease. On PostgreSQL
 * `FOR UPDATE SKIP LOCKED` lets several processes claim at once without waiting on each other;
 * the conditional update is what makes the claim exclusive on both databases.
 */
export async function claimReport(db: Db, owner: string, leaseMs: number, onlyId?: string): Promise<FileImportReport | null> {
  const now = new Date();
  const open = { ...(onlyId && { id: onlyId }), status: { in: [FILE_IMPORT_STATUS.queued, FILE_IMPORT_STATUS.running] } };
  const claimable = { OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lt: now } }] };
  return runTransaction(db, async (tx) => {
    let id: string | undefined;
    const sql = typedSql(db);
    if (!onSqlite(db)) {
      const query = sql
        .selectFrom('FileImportReport')
        .select('id')
        .where('status', 'in', [...open.status.in])
        .$if(onlyId !== undefined, (q) => q.where('id', '=', onlyId ?? ''))
        .where((eb) => eb.or([eb('leaseExpiresAt', 'is', null), eb('leaseExpiresAt', '<', now)]))
        .orderBy('createdAt')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .compile();
      const rows = (await tx.$queryRawUnsafe(query.sql, ...query.parameters)) as Array<{ id: string }>;
      id = rows[0]?.id;
    } else {
      id = (await tx.fileImportReport.findFirst({ where: { ...open, ...claimable }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } }))
        ?.id;
    }
    if (!id) return null;
    const claimed = await tx.fileImportReport.updateMany({
      where: { id, ...open, ...claimable },
      data: { status: FILE_IMPORT_STATUS.running, leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + leaseMs) },
    });
    if (claimed.count !== 1) return null;
    const report = await tx.fileImportReport.findUniqueOrThrow({ where: { id } });
    return report.startedAt ? report : tx.fileImportReport.update({ where: { id }, data: { startedAt: now } });
  });
}
