import type { Db, Prisma } from '../../db/client.ts';
import type { FileImportReport, RejectedLine } from '../../db/generated/postgres/client.ts';
import { runTyped, typedSql } from '../../db/typedSql.ts';
import { type FieldError, InvalidArgumentError, message, named } from '../errors.ts';
import { newId } from '../ids.ts';
import { type KeysetRange, keysetPage, type NumberedPageRequest, numberedPage, type Page, type PageRequest } from '../paging.ts';
import { DEFAULT_PAGE_SIZE, FILE_IMPORT_STATUS, MAX_IMPORT_FILE_BYTES, MAX_PAGE_SIZE } from '../vocabulary.ts';
import { stageUpload, type UploadContent } from './staging.ts';

export type { FileImportReport, RejectedLine };

/**
 * The file's bytes are kept in pieces of this size, one row each: one piece is one statement's
 * parameter on upload, and the worker reads one at a time. Small enough that what Prisma's client
 * makes of a piece (its base64 text, the query text holding it) stays in V8's young generation,
 * which is collected at once; 256 KiB and 1 MiB pieces made large objects that stayed until a full
 * collection and raised an upload's peak memory by tens of MB. Earlier layouts read the same.
 */
export const CHUNK_BYTES = 64 * 1024;
const MAX_FILE_NAME_LENGTH = 255;

/** `tooLarge`: the file is over MAX_IMPORT_FILE_BYTES (REST answers 413, not 422). */
export type UploadResult = { ok: true; report: FileImportReport; existing: boolean } | { ok: false; errors: FieldError[]; tooLarge: boolean };

/**
 * Takes an uploaded file for import: stores its bytes with a queued report, for the worker to
 * apply after the answer. The same file again (same account, same SHA-256) answers the report
 * of the first upload and imports nothing twice. A stream is read to its end first
 * (`stageUpload`), so memory does not grow with the file.
 */
export async function uploadFileImport(db: Db, accountId: string, file: { fileName: string; content: UploadContent }): Promise<UploadResult> {
  const staged = await stageUpload(file.content);
  try {
    const errors = checkUpload(staged);
    if (errors.length > 0) return { ok: false, errors, tooLarge: staged.tooLarge };
    const { sha256, size } = staged;
    const earlier = await db.fileImportReport.findUnique({ where: { accountId_sha256: { accountId, sha256 } } });
    if (earlier) return { ok: true, report: earlier, existing: true };
    const id = newId();
    try {
      const report = await db.$transaction(async (tx) => {
        const created = await tx.fileImportReport.create({
          data: { id, accountId, status: FILE_IMPORT_STATUS.queued, fileName: fileNameOf(file.fileName), size, sha256 },
        });
        // One piece per statement: a statement's parameters stay small.
        let index = 0;
        for await (const bytes of staged.pieces(CHUNK_BYTES)) {
          await tx.fileImportChunk.create({ data: { reportId: id, index, bytes: new Uint8Array(bytes) } });
          index += 1;
        }
        return created;
      });
      return { ok: true, report, existing: false };
    } catch (error) {
      // The same file uploaded twice at once: the first one's report answers both.
      if ((error as { code?: string }).code === 'P2002') {
        const winner = await db.fileImportReport.findUnique({ where: { accountId_sha256: { accountId, sha256 } } });
        if (winner) return { ok: true, report: winner, existing: true };
      }
      throw error;
    }
  } finally {
    await staged.discard();
  }
}

/** The size limits of an upload, checked before anything is stored (the faces also stop larger bodies early). */
export function checkUpload(file: { size: number; tooLarge: boolean }): FieldError[] {
  if (file.size === 0) return [{ field: 'file', code: 'INVALID', message: message`${named('file')} is empty` }];
  if (file.tooLarge) {
    return [{ field: 'file', code: 'INVALID', message: message`${named('file')} is larger than ${MAX_IMPORT_FILE_BYTES} bytes; split it into smaller files` }];
  }
  return [];
}

function fileNameOf(name: string): string {
  // The name is the client's text, shown back: printable, bounded.
  const clean = [...name]
    .filter((char) => char >= ' ' && char !== '\u007f')
    .join('')
    .trim();
  return (clean === '' ? 'upload' : clean).slice(0, MAX_FILE_NAME_LENGTH);
}

/**
 * The file's bytes in order, one stored piece at a time. A typed read: through Prisma's client a
 * 1 MiB piece took tens of milliseconds to decode, read twice per import.
 */
export async function* fileBytes(db: Db, reportId: string): AsyncGenerator<Buffer> {
  for (let index = 0; ; index += 1) {
    const query = typedSql(db).selectFrom('FileImportChunk').select('bytes').where('reportId', '=', reportId).where('index', '=', index);
    const [chunk] = await runTyped(db, query);
    if (!chunk) return;
    yield Buffer.from(chunk.bytes);
  }
}

// --- reading reports (always within one account) ---

export function findFileImportReport(db: Db, accountId: string, id: string): Promise<FileImportReport | null> {
  return db.fileImportReport.findFirst({ where: { id, accountId } });
}

/** Reports of the account by id, in one query whatever the number. */
export function findFileImportReports(db: Db, accountId: string, ids: readonly string[]): Promise<FileImportReport[]> {
  return ids.length === 0 ? Promise.resolve([]) : db.fileImportReport.findMany({ where: { id: { in: [...ids] }, accountId } });
}

export function listFileImportReports(db: Db, accountId: string, page: PageRequest): Promise<Page<FileImportReport>> {
  return keysetPage(
    page,
    (range, take) => {
      const order = range.backward ? 'asc' : 'desc';
      return db.fileImportReport.findMany({ where: { accountId, AND: inRange(range) }, orderBy: [{ createdAt: order }, { id: order }], take });
    },
    () => db.fileImportReport.count({ where: { accountId } }),
  );
}

/** Newest first, like every list: (createdAt, id) orders reports that share a timestamp. */
const NEWEST_FIRST = [{ createdAt: 'desc' }, { id: 'desc' }] as const;

/** The reports strictly older than `after` and newer than `before` (the cursors' keyset). */
function inRange(range: KeysetRange): Prisma.FileImportReportWhereInput[] {
  const conditions: Prisma.FileImportReportWhereInput[] = [];
  if (range.after) {
    const { createdAt, id } = range.after;
    conditions.push({ OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] });
  }
  if (range.before) {
    const { createdAt, id } = range.before;
    conditions.push({ OR: [{ createdAt: { gt: createdAt } }, { createdAt, id: { gt: id } }] });
  }
  return conditions;
}

export function listFileImportReportsByPage(db: Db, accountId: string, request: { page: number; perPage: number }) {
  return numberedPage(
    { accountId },
    { ...request, orderBy: [...NEWEST_FIRST] } as NumberedPageRequest<Prisma.FileImportReportOrderByWithRelationInput>,
    (args) => db.fileImportReport.findMany(args),
    (where) => db.fileImportReport.count({ where }),
  );
}

/** A page of a report's rejected lines in the file's order; a cursor is the last line's (lineNumber, id). */
export async function listRejectedLines(
  db: Db,
  reportId: string,
  request: PageRequest,
): Promise<{ nodes: RejectedLine[]; cursors: string[]; hasNextPage: boolean; hasPreviousPage: boolean; totalCount: () => Promise<number> }> {
  const size = request.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE)
    throw new InvalidArgumentError('first', `first must be an integer from 0 to ${MAX_PAGE_SIZE}`);
  const after = request.after ? decodeLineCursor(request.after) : null;
  const where: Prisma.RejectedLineWhereInput = {
    reportId,
    ...(after && { OR: [{ lineNumber: { gt: after.lineNumber } }, { lineNumber: after.lineNumber, id: { gt: after.id } }] }),
  };
  const rows = size === 0 ? [] : await db.rejectedLine.findMany({ where, orderBy: [{ lineNumber: 'asc' }, { id: 'asc' }], take: size + 1 });
  const nodes = rows.slice(0, size);
  return {
    nodes,
    cursors: nodes.map((line) => Buffer.from(`${line.lineNumber}:${line.id}`).toString('base64url')),
    hasNextPage: rows.length > size,
    hasPreviousPage: Boolean(request.after),
    totalCount: () => db.rejectedLine.count({ where: { reportId } }),
  };
}

function decodeLineCursor(cursor: string): { lineNumber: number; id: string } {
  const match = /^(\d{1,9}):([0-9a-f]{24})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidArgumentError('after', 'after is not a cursor this API returned');
  return { lineNumber: Number(match[1]), id: match[2]! };
}

export function listRejectedLinesByPage(db: Db, reportId: string, request: { page: number; perPage: number }) {
  return numberedPage(
    { reportId },
    { ...request, orderBy: [{ lineNumber: 'asc' as const }, { id: 'asc' as const }] },
    (args) => db.rejectedLine.findMany(args),
    (where) => db.rejectedLine.count({ where }),
  );
}
