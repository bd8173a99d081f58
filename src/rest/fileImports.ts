import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
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
import { ErrorBody, ListLinks, Meta, refTo } from './schemas.ts';

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

const nullableString = (description: string) => ({ type: ['string', 'null'], description }) as const;
const count = (description: string) => ({ type: 'integer', minimum: 0, description }) as const;
/** A report as the routes below answer it (described inline: these routes register no shared schemas). */
const reportSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    '_id',
    '_created',
    '_updated',
    'status',
    'file_name',
    'size',
    'sha256',
    'lines_total',
    'lines_stored',
    'lines_replayed',
    'lines_rejected',
    'settled_total',
    'failure_reason',
    'started_at',
    'finished_at',
    '_links',
  ],
  properties: {
    _id: { type: 'string' },
    _created: { type: 'string', description: 'RFC 1123 date.' },
    _updated: { type: 'string', description: 'RFC 1123 date.' },
    status: {
      type: 'string',
      enum: [...FILE_IMPORT_STATUSES],
      description: 'queued, then running while the lines are applied; completed, or failed when the whole file was refused.',
    },
    file_name: { type: 'string' },
    size: { type: 'integer', minimum: 1, description: 'Bytes.' },
    sha256: { type: 'string', description: "The file's SHA-256 (hex): the same file again answers this report." },
    lines_total: count('Lines of payments in the file (0 until it has been read through).'),
    lines_stored: count('Lines stored as payments.'),
    lines_replayed: count('Lines whose creditor_payment_reference was stored before with the same content.'),
    lines_rejected: count('Lines refused; each failure is at rejected-lines.'),
    settled_total: { type: 'number', description: 'What the stored payments settled, in the currency unit.' },
    failure_reason: nullableString('Why the whole file was refused (nothing of it applied).'),
    started_at: nullableString('RFC 1123 date.'),
    finished_at: nullableString('RFC 1123 date.'),
    _links: { type: 'object', additionalProperties: true },
  },
} as const;
const rejectedLineSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['line_number', 'field', 'code', 'message'],
  properties: {
    line_number: { type: 'integer', minimum: 1, description: 'The line of the file (the CSV header is line 1).' },
    field: { type: 'string', description: 'The column, or `_line` for a line of the wrong shape.' },
    code: { type: 'string' },
    message: { type: 'string' },
  },
} as const;
const listSchema = (item: object, description: string) => ({
  description,
  type: 'object',
  additionalProperties: false,
  properties: { _items: { type: 'array', items: item }, _meta: refTo(Meta), _links: refTo(ListLinks) },
});
const failure = (description: string) => refTo(ErrorBody, { description });
const unauthorized = failure('No or bad x-api-key.');
const tooManyRequests = refTo(ErrorBody, {
  description: 'Over the rate limit of requests per minute for this API key (per client address without one), when the server sets one.',
  headers: { 'Retry-After': Type.Integer({ description: 'Seconds until a request is accepted again.' }) },
});
const badPage = failure('A page or max_results that is not a number in range.');
const notFound = failure('No such file import report in your account.');
const pageQuery = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 1, default: 1 },
    max_results: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  },
} as const;
const reportAnswer = (description: string) => ({
  ...reportSchema,
  description,
  headers: { Location: Type.String({ description: 'The report: /file-import-reports/{id}.' }) },
});

/** The page a list request asks for, or the message of a 400 (the REST routes leave checking to the handlers). */
function pageOf(query: Record<string, unknown>): { page: number; perPage: number } | string {
  const page = integerParam(query.page, 1);
  const perPage = integerParam(query.max_results, DEFAULT_PAGE_SIZE);
  if (page === null || page < 1) return 'page must be a whole number from 1.';
  if (perPage === null || perPage < 1 || perPage > MAX_PAGE_SIZE) return `max_results must be a whole number from 1 to ${MAX_PAGE_SIZE}.`;
  return { page, perPage };
}

function integerParam(value: unknown, fallback: number): number | null {
  if (value === undefined) return fallback;
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : null;
}

/**
 * The file import resource: POST a file (multipart/form-data, part `file`) to start an import,
 * GET the reports and their rejected lines. Only the uploading account sees a report.
 */
export async function fileImportRoutes(app: FastifyInstance, { db }: { db: Db }): Promise<void> {
  // @fastify/multipart streams the part and stops at the size limit (one well-kept parser for uploads).
  // The app leaves multipart bodies unread for GraphQL; here @fastify/multipart reads them.
  if (app.hasContentTypeParser('multipart/form-data')) app.removeContentTypeParser('multipart/form-data');
  // One byte past the limit: a file that reaches it is too large, and is told so (413) after that byte.
  await app.register(multipart, { limits: { fileSize: MAX_IMPORT_FILE_BYTES + 1, files: 1, fields: 5, parts: 6 } });
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
        description: `The file goes in the part named \`file\` (at most ${MAX_IMPORT_FILE_BYTES} bytes). It is imported after this answer; read the report for its progress and outcome (docs/imports.md).`,
        consumes: ['multipart/form-data'],
        body: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'CSV (`,` or `;`) or JSON Lines.' } },
        },
        response: {
          202: reportAnswer('Accepted: the new report (queued), imported in the background.'),
          200: reportAnswer('The same file was uploaded before (same SHA-256): its report, nothing imported again.'),
          400: failure('Not multipart/form-data, or no part named `file`.'),
          401: unauthorized,
          413: failure(`The file is larger than ${MAX_IMPORT_FILE_BYTES} bytes.`),
          422: failure('The file is empty.'),
          429: tooManyRequests,
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) return reply.code(400).send(errorBody(400, 'Send the file as multipart/form-data, in a part named "file".'));
      const part = await request.file();
      if (part?.fieldname !== 'file') return reply.code(400).send(errorBody(400, 'Send the file as multipart/form-data, in a part named "file".'));
      // Read as it arrives (spooled, never held whole); the parser stops reading one byte past the limit.
      const result = await uploadFileImport(db, account(request), { fileName: part.filename, content: part.file });
      if (!result.ok && result.tooLarge) {
        return reply.code(413).send(errorBody(413, `The file is larger than ${MAX_IMPORT_FILE_BYTES} bytes; split it into smaller files.`));
      }
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

  app.get<{ Querystring: Record<string, unknown> }>(
    `/${FILE_IMPORT_REPORTS}`,
    {
      schema: {
        operationId: 'listFileImportReports',
        summary: "List your account's file imports, newest first",
        querystring: pageQuery,
        response: { 200: listSchema(reportSchema, "A page of the account's reports."), 400: badPage, 401: unauthorized, 429: tooManyRequests },
      },
    },
    async (request, reply) => {
      const paging = pageOf(request.query);
      if (typeof paging === 'string') return reply.code(400).send(errorBody(400, paging));
      const { page, perPage } = paging;
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
    {
      schema: {
        operationId: 'getFileImportReport',
        summary: 'Get a file import report',
        response: { 200: { ...reportSchema, description: 'The report.' }, 401: unauthorized, 404: notFound, 429: tooManyRequests },
      },
    },
    async (request, reply) => {
      const report = await reportOr404(request, reply);
      return report ? fileImportReportDocument(report) : reply;
    },
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
    `/${FILE_IMPORT_REPORTS}/:id/rejected-lines`,
    {
      schema: {
        operationId: 'listRejectedLines',
        summary: "A file import's rejected lines, one item per failure, in the file's order",
        querystring: pageQuery,
        response: {
          200: listSchema(rejectedLineSchema, "A page of the report's rejected lines."),
          400: badPage,
          401: unauthorized,
          404: notFound,
          429: tooManyRequests,
        },
      },
    },
    async (request, reply) => {
      const report = await reportOr404(request, reply);
      if (!report) return reply;
      const paging = pageOf(request.query);
      if (typeof paging === 'string') return reply.code(400).send(errorBody(400, paging));
      const { page, perPage } = paging;
      const { items, total } = await listRejectedLinesByPage(db, report.id, { page, perPage });
      const resource = `${FILE_IMPORT_REPORTS}/${report.id}/rejected-lines`;
      return listEnvelope(resource, items.map(rejectedLineDocument), { page, maxResults: perPage, total }, {});
    },
  );
}
