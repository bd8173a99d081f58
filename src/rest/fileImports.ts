import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../auth/apiKeys.ts';
import type { Db } from '../db/client.ts';
import { formatRfc1123 } from '../domain/dates.ts';
import { fieldMessage } from '../domain/errors.ts';
import { isId } from '../domain/ids.ts';
import {
  type FileImportReport,
  findFileImportReport,
  listFileImportReportsByPage,
  listRejectedLinesByPage,
  type RejectedLine,
  uploadFileImport,
} from '../domain/imports/reports.ts';
import { DEFAULT_PAGE_SIZE, FILE_IMPORT_STATUSES, fileImportStatusOf, MAX_IMPORT_FILE_BYTES, MAX_PAGE_SIZE } from '../domain/vocabulary.ts';
import { MoneyNumber, stringifyDocument } from './decimalJson.ts';
import { errorBody, listEnvelope } from './envelope.ts';

export const FILE_IMPORT_REPORTS = 'file-import-reports';

/** A report as REST clients read it: the GraphQL type's fields in snake_case, Eve's meta fields. */
export function fileImportReportDocument(r: FileImportReport) {
  return {
    _id: r.id,
    _created: formatRfc1123(r.createdAt),
    _updated: formatRfc1123(r.updatedAt),
    status: fileImportStatusOf(r),
    file_name: r.fileName,
    size: r.size,
    sha256: r.sha256,
    lines_total: r.linesTotal,
    lines_stored: r.linesStored,
    lines_replayed: r.linesReplayed,
    lines_rejected: r.linesRejected,
    settled_total: new MoneyNumber(r.settledTotal),
    failure_reason: r.failureReason,
    started_at: r.startedAt ? formatRfc1123(r.startedAt) : null,
    finished_at: r.finishedAt ? formatRfc1123(r.finishedAt) : null,
    _links: { self: { title: 'file import report', href: `${FILE_IMPORT_REPORTS}/${r.id}` } },
  };
}

function rejectedLineDocument(l: RejectedLine) {
  return { line_number: l.lineNumber, field: l.field, code: l.code, message: l.message };
}

const nullableString = { type: ['string', 'null'] } as const;
const reportSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    _id: { type: 'string' },
    _created: { type: 'string' },
    _updated: { type: 'string' },
    status: { type: 'string', enum: [...FILE_IMPORT_STATUSES] },
    file_name: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    lines_total: { type: 'integer' },
    lines_stored: { type: 'integer' },
    lines_replayed: { type: 'integer' },
    lines_rejected: { type: 'integer' },
    settled_total: { type: 'number' },
    failure_reason: nullableString,
    started_at: nullableString,
    finished_at: nullableString,
    _links: { type: 'object', additionalProperties: true },
  },
} as const;
const errorSchema = {
  type: 'object',
  properties: { _status: { type: 'string' }, _error: { type: 'object', additionalProperties: true }, _issues: { type: 'object', additionalProperties: true } },
} as const;
const listSchema = (item: object) =>
  ({
    type: 'object',
    properties: {
      _items: { type: 'array', items: item },
      _meta: { type: 'object', additionalProperties: true },
      _links: { type: 'object', additionalProperties: true },
    },
  }) as const;
const pageQuery = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 1, default: 1 },
    max_results: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  },
} as const;

/** The page a list request asks for; the route's schema has checked the numbers' ranges. */
function pageOf(query: { page?: number | string; max_results?: number | string }): { page: number; perPage: number } {
  return { page: Number(query.page ?? 1), perPage: Number(query.max_results ?? DEFAULT_PAGE_SIZE) };
}

/**
 * The file import resource: POST a file (multipart/form-data, part `file`) to start an import,
 * GET the reports and their rejected lines. Only the uploading account sees a report.
 */
export async function fileImportRoutes(app: FastifyInstance, { db }: { db: Db }): Promise<void> {
  // @fastify/multipart streams the part and stops at the size limit (one well-kept parser for uploads).
  // The app leaves multipart bodies unread for GraphQL; here @fastify/multipart reads them.
  if (app.hasContentTypeParser('multipart/form-data')) app.removeContentTypeParser('multipart/form-data');
  await app.register(multipart, { limits: { fileSize: MAX_IMPORT_FILE_BYTES, files: 1, fields: 5, parts: 6 } });
  // Money as every REST document prints it (`12.5` → `12.5`, `0` → `0.0`), exact from the öre.
  app.setReplySerializer(stringifyDocument);
  const accountOf = new WeakMap<FastifyRequest, string>();
  app.addHook('onRequest', async (request, reply) => {
    const key = request.headers['x-api-key'];
    const caller = await authenticate(db, typeof key === 'string' ? key : null);
    if (!caller) {
      reply.code(401).header('www-authenticate', 'ApiKey header="x-api-key"');
      return reply.send(errorBody(401, 'Please provide a valid API key in the x-api-key header.'));
    }
    accountOf.set(request, caller.accountId);
  });
  const account = (request: FastifyRequest) => accountOf.get(request) ?? '';

  app.post(
    `/${FILE_IMPORT_REPORTS}`,
    {
      schema: {
        operationId: 'uploadFileImport',
        summary: 'Upload a file of payments (CSV or JSON Lines) to import',
        consumes: ['multipart/form-data'],
        response: { 202: reportSchema, 200: reportSchema, 400: errorSchema, 413: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) return reply.code(400).send(errorBody(400, 'Send the file as multipart/form-data, in a part named "file".'));
      const part = await request.file();
      if (part?.fieldname !== 'file') return reply.code(400).send(errorBody(400, 'Send the file as multipart/form-data, in a part named "file".'));
      let bytes: Buffer;
      try {
        bytes = await part.toBuffer();
      } catch (error) {
        if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          return reply.code(413).send(errorBody(413, `The file is larger than ${MAX_IMPORT_FILE_BYTES} bytes; split it into smaller files.`));
        }
        throw error;
      }
      const result = await uploadFileImport(db, account(request), { fileName: part.filename, bytes });
      if (!result.ok) {
        const issues = Object.fromEntries(result.errors.map((e) => [e.field, fieldMessage(e.message, (f) => f)]));
        return reply.code(422).send(errorBody(422, 'The file cannot be imported', issues));
      }
      // 202: accepted, imported after this answer; the same file again answers its first report.
      return reply
        .code(result.existing ? 200 : 202)
        .header('location', `/${FILE_IMPORT_REPORTS}/${result.report.id}`)
        .send(fileImportReportDocument(result.report));
    },
  );

  app.get<{ Querystring: { page: number; max_results: number } }>(
    `/${FILE_IMPORT_REPORTS}`,
    {
      schema: {
        operationId: 'listFileImportReports',
        summary: "List your account's file imports, newest first",
        querystring: pageQuery,
        response: { 200: listSchema(reportSchema) },
      },
    },
    async (request) => {
      const { page, perPage } = pageOf(request.query);
      const { items, total } = await listFileImportReportsByPage(db, account(request), { page, perPage });
      return listEnvelope(FILE_IMPORT_REPORTS, items.map(fileImportReportDocument), { page, maxResults: perPage, total }, {});
    },
  );

  const reportOr404 = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const { id } = request.params;
    const report = isId(id) ? await findFileImportReport(db, account(request), id) : null;
    // Another account's report is "not found", like an unknown id.
    if (!report) reply.code(404).send(errorBody(404, `No file import report with id ${JSON.stringify(id.slice(0, 64))} was found.`));
    return report;
  };

  app.get<{ Params: { id: string } }>(
    `/${FILE_IMPORT_REPORTS}/:id`,
    { schema: { operationId: 'getFileImportReport', summary: 'Get a file import report', response: { 200: reportSchema, 404: errorSchema } } },
    async (request, reply) => {
      const report = await reportOr404(request, reply);
      return report ? fileImportReportDocument(report) : reply;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { page: number; max_results: number } }>(
    `/${FILE_IMPORT_REPORTS}/:id/rejected-lines`,
    {
      schema: {
        operationId: 'listRejectedLines',
        summary: "A file import's rejected lines, one item per failure, in the file's order",
        querystring: pageQuery,
        response: {
          200: listSchema({
            type: 'object',
            properties: { line_number: { type: 'integer' }, field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
          }),
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const report = await reportOr404(request, reply);
      if (!report) return reply;
      const { page, perPage } = pageOf(request.query);
      const { items, total } = await listRejectedLinesByPage(db, report.id, { page, perPage });
      const resource = `${FILE_IMPORT_REPORTS}/${report.id}/rejected-lines`;
      return listEnvelope(resource, items.map(rejectedLineDocument), { page, maxResults: perPage, total }, {});
    },
  );
}
