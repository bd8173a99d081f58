import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Db } from '../db/client.ts';
import { fieldMessage, InvalidArgumentError } from '../domain/errors.ts';
import { runImport } from '../domain/imports/apply.ts';
import { type FileImportReport, findFileImportReport, uploadFileImport } from '../domain/imports/reports.ts';
import { claimReport, DEFAULT_LEASE_MS } from '../domain/imports/worker.ts';
import { formatOre } from '../domain/money.ts';
import { FILE_IMPORT_STATUS } from '../domain/vocabulary.ts';

/**
 * `admin import --account <id> <file>`: uploads the file as the account and imports it here, with
 * a progress bar (cli-progress) on stderr; prints the report. When a server's worker holds it
 * already (or it was imported before), follows that one instead.
 */
export async function importFromCli(db: Db, accountId: string, path: string): Promise<object> {
  if (!(await db.account.findUnique({ where: { id: accountId }, select: { id: true } }))) {
    throw new InvalidArgumentError('account', `no account with id ${JSON.stringify(accountId.slice(0, 64))}`);
  }
  const opened = await open(path).catch((error: NodeJS.ErrnoException) => {
    throw new InvalidArgumentError('file', `cannot read ${path}: ${error.code ?? error.message}`);
  });
  const uploaded = await uploadFileImport(db, accountId, { fileName: basename(path), content: opened.createReadStream() });
  if (!uploaded.ok) throw new InvalidArgumentError('file', uploaded.errors.map((e) => fieldMessage(e.message, (f) => f)).join('; '));
  const bar = new cliProgress.SingleBar(
    { format: 'importing {bar} {value}/{total} lines | stored {stored} replayed {replayed} rejected {rejected}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(uploaded.report.linesTotal, 1), 0, { stored: 0, replayed: 0, rejected: 0 });
  const show = (r: FileImportReport) => {
    bar.setTotal(Math.max(r.linesTotal, 1));
    bar.update(r.linesDone, { stored: r.linesStored, replayed: r.linesReplayed, rejected: r.linesRejected });
  };
  let report = uploaded.report;
  const owner = `admin-cli:${process.pid}`;
  const claimed = await claimReport(db, owner, DEFAULT_LEASE_MS, report.id);
  if (claimed) report = await runImport(db, claimed, { owner, leaseMs: DEFAULT_LEASE_MS, onProgress: show });
  while (report.status === FILE_IMPORT_STATUS.queued || report.status === FILE_IMPORT_STATUS.running) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    report = (await findFileImportReport(db, accountId, report.id)) ?? report;
    show(report);
  }
  bar.stop();
  return {
    reportId: report.id,
    status: report.status,
    fileName: report.fileName,
    sha256: report.sha256,
    linesTotal: report.linesTotal,
    linesStored: report.linesStored,
    linesReplayed: report.linesReplayed,
    linesRejected: report.linesRejected,
    settledTotal: formatOre(report.settledTotal),
    failureReason: report.failureReason,
  };
}
