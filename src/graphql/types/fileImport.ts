import type { FieldError } from '../../domain/errors.ts';
import {
  type FileImportReport,
  findFileImportReports,
  listFileImportReports,
  listRejectedLines,
  type RejectedLine,
  uploadFileImport,
} from '../../domain/imports/reports.ts';
import {
  type FileImportStatus as DomainStatus,
  FILE_IMPORT_STATUSES,
  fileImportStatusOf,
  MAX_IMPORT_FILE_BYTES,
  MAX_IMPORT_LINES,
} from '../../domain/vocabulary.ts';
import { builder } from '../builder.ts';
import { connectionField, connectionOf } from '../connection.ts';
import { UserErrorCode } from './enums.ts';
import { NodeRef, nodeType, requestLoader } from './node.ts';
import { PaymentRef } from './objectRefs.ts';
import { UserError } from './registerPayment.ts';

const statusValues = Object.fromEntries(FILE_IMPORT_STATUSES.map((status) => [status.toUpperCase(), { value: status }])) as Record<
  Uppercase<DomainStatus>,
  { value: DomainStatus }
>;
const FileImportStatus = builder.enumType('FileImportStatus', { values: statusValues });

const RejectedLineRef = builder.objectRef<RejectedLine>('RejectedLine').implement({
  description: 'One failure of a line that stored nothing; a line failing on several fields has one per field.',
  fields: (t) => ({
    lineNumber: t.exposeInt('lineNumber', { description: "The line in the file (a CSV file's header is line 1)." }),
    field: t.exposeString('field', { description: 'The column it concerns, by the name the file uses; _line for the shape of the line itself.' }),
    code: t.field({ type: UserErrorCode, resolve: (l) => l.code as FieldError['code'] }),
    message: t.exposeString('message'),
  }),
});
const RejectedLineConnection = connectionOf('RejectedLine', RejectedLineRef);

export const FileImportReportRef = builder.objectRef<FileImportReport>('FileImportReport').implement({
  description: 'An uploaded file of payments and what importing it did, line by line; updated while the import runs.',
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: FileImportStatus, resolve: fileImportStatusOf }),
    fileName: t.exposeString('fileName'),
    size: t.exposeInt('size', { description: 'Bytes.' }),
    sha256: t.exposeString('sha256'),
    linesTotal: t.exposeInt('linesTotal', { description: 'Lines of payments in the file (the header not counted); 0 until the file has been read through.' }),
    linesStored: t.exposeInt('linesStored'),
    linesReplayed: t.exposeInt('linesReplayed', {
      description: 'Lines whose creditor_payment_reference was stored before with the same content: nothing changed.',
    }),
    linesRejected: t.exposeInt('linesRejected'),
    settledTotal: t.field({ type: 'Decimal', resolve: (r) => r.settledTotal, description: 'What the stored lines settled on their cases.' }),
    failureReason: t.exposeString('failureReason', {
      nullable: true,
      description: 'Why the whole file was refused (status FAILED): nothing of it was applied.',
    }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.finishedAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
    rejectedLines: connectionField(t, {
      type: RejectedLineConnection,
      description: 'The failures of rejected lines, in the order of the file.',
      load: (r, page, ctx) => listRejectedLines(ctx.db, r.id, page) as never,
    }),
  }),
});
const FileImportReportConnection = connectionOf('FileImportReport', FileImportReportRef);

/** The caller's reports by id, batched per request: `fileImportReport(id)`, `node`, and each payment's report. */
const reportLoader = requestLoader((ctx, ids) => findFileImportReports(ctx.db, ctx.accountId, ids));
nodeType(FileImportReportRef, 'fileImportReport', reportLoader);

builder.objectField(PaymentRef, 'fileImportReport', (t) =>
  t.field({
    type: FileImportReportRef,
    nullable: true,
    description: 'The file import that stored this payment; null for a payment registered through the API.',
    resolve: (p, _, ctx) => (p.fileImportReportId ? reportLoader(ctx).load(p.fileImportReportId) : null),
  }),
);

builder.queryFields((t) => ({
  fileImportReports: connectionField(t, {
    type: FileImportReportConnection,
    description: 'File imports of your account, newest first.',
    load: (_, page, ctx) => listFileImportReports(ctx.db, ctx.accountId, page),
  }),
}));

const ImportPaymentsPayload = builder.objectRef<{ report: FileImportReport | null; userErrors: FieldError[] }>('ImportPaymentsPayload').implement({
  fields: (t) => ({
    report: t.field({ type: FileImportReportRef, nullable: true, resolve: (r) => r.report }),
    userErrors: t.field({ type: [UserError], resolve: (r) => r.userErrors }),
  }),
});

builder.mutationFields((t) => ({
  importPayments: t.field({
    type: ImportPaymentsPayload,
    description: `Uploads a file of payments (CSV or JSON Lines, at most ${MAX_IMPORT_FILE_BYTES} bytes and ${MAX_IMPORT_LINES} lines) through the GraphQL multipart request spec; send the header x-graphql-yoga-csrf. Answers at once with a QUEUED report, which the import updates as it runs. The same file again answers the report of the first upload.`,
    args: { file: t.arg({ type: 'File', required: true }) },
    resolve: async (_, { file }, ctx) => {
      // Yoga holds the parsed part; its stream is read without another whole copy.
      const result = await uploadFileImport(ctx.db, ctx.accountId, { fileName: file.name, content: file.stream() });
      return result.ok ? { report: result.report, userErrors: [] } : { report: null, userErrors: result.errors };
    },
  }),
}));

builder.scalarType('File', {
  description: 'A file uploaded with the GraphQL multipart request spec; input only.',
  serialize: () => {
    throw new Error('File is an input type only');
  },
  parseValue: (value) => {
    if (typeof value !== 'object' || value === null || typeof (value as File).arrayBuffer !== 'function') {
      throw new TypeError('file must be an uploaded file (a multipart/form-data request following the GraphQL multipart request spec)');
    }
    return value as File;
  },
});
