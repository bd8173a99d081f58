import type { Case, Payment } from '../../db/client.ts';
import type { ColumnOf } from '../../db/keysetRows.ts';
import { findPayments, listPayments, settledAmount } from '../../domain/payments.ts';
import { currencyOf, paymentStatusOf } from '../../domain/vocabulary.ts';
import { builder } from '../builder.ts';
import { connectionField } from '../connection.ts';
import type { GraphQLContext } from '../context.ts';
import { parseDateArg } from '../dateArgs.ts';
import type { CaseProjection } from '../loaders.ts';
import { projected, selectedFieldsAt } from '../projection.ts';
import { AccountRef } from './account.ts';
import { Currency, PaymentStatus } from './enums.ts';
import { NodeRef, nodeType, requestLoader } from './node.ts';
import { CaseRef, CreditorRef, PaymentConnection, PaymentRef } from './objectRefs.ts';

PaymentRef.implement({
  description: 'Money a debtor paid straight to the creditor, reported so it is applied to the case. Never edited or deleted.',
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    account: t.field({ type: AccountRef, resolve: (p, _, ctx) => ctx.loaders.account.row(p.accountId, 'account') }),
    creditor: t.field({
      type: CreditorRef,
      // The case's lookup brings its creditor along (a payment's creditor is its case's).
      resolve: (p, _, ctx) =>
        ctx.loaders.creditor.loaded(p.creditorId) ?? ctx.loaders.case.load(p.caseId).then(() => ctx.loaders.creditor.row(p.creditorId, 'creditor')),
    }),
    case: t.field({ type: CaseRef, resolve: (p, _, ctx) => caseOfPageRow(p, ctx) ?? ctx.loaders.case.row(p.caseId, 'case') }),
    currency: t.field({ type: Currency, resolve: currencyOf }),
    amount: t.field({ type: 'Decimal', resolve: (p) => p.amount }),
    settledAmount: t.field({ type: 'Decimal', resolve: settledAmount }),
    settledCosts: t.field({ type: 'Decimal', resolve: (p) => p.settledCosts }),
    settledInterest: t.field({ type: 'Decimal', resolve: (p) => p.settledInterest }),
    settledCapital: t.field({ type: 'Decimal', resolve: (p) => p.settledCapital }),
    status: t.field({ type: PaymentStatus, resolve: paymentStatusOf }),
    statusReasonLocale: t.exposeString('statusReasonLocale', { nullable: true }),
    bankTransactionDate: t.field({ type: 'DateTime', resolve: (p) => p.bankTransactionDate }),
    clientRegistrationDate: t.field({ type: 'DateTime', resolve: (p) => p.clientRegistrationDate }),
    bookingDate: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.bookingDate }),
    creditorPaymentReference: t.exposeString('creditorPaymentReference', { nullable: true }),
    origin: t.exposeString('origin'),
    caseInvoiceNumber: t.string({
      description: "The case's invoice number (a projection of the case).",
      resolve: (p, _, ctx) => ofCase(p, ctx, (c) => c.invoiceNumber),
    }),
    caseReferenceNumber: t.string({
      description: "The case's reference number (a projection of the case).",
      resolve: (p, _, ctx) => ofCase(p, ctx, (c) => c.referenceNumber),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (p) => p.updatedAt }),
    etag: t.exposeString('etag'),
  }),
});

const PaymentFilter = builder.inputType('PaymentFilter', {
  fields: (t) => ({
    creditor: t.id({ required: false }),
    case: t.id({ required: false }),
    status: t.field({ type: PaymentStatus, required: false }),
    bankTransactionDateFrom: t.field({ type: 'DateTime', required: false, description: 'Inclusive.' }),
    bankTransactionDateTo: t.field({ type: 'DateTime', required: false, description: 'Inclusive; a plain date (2025-07-04) includes that whole day.' }),
    creditorPaymentReference: t.string({ required: false }),
  }),
});

nodeType(
  PaymentRef,
  'payment',
  requestLoader((ctx, ids) => findPayments(ctx.db, ctx.accountId, ids)),
);

builder.queryFields((t) => ({
  payments: connectionField(t, {
    type: PaymentConnection,
    description: 'Payments of your account, newest first.',
    args: { filter: t.arg({ type: PaymentFilter, required: false }) },
    load: async (_, { filter, ...page }, ctx, info) => {
      const selected = selectedFieldsAt(info, ['edges', 'node']);
      const found = await listPayments(
        ctx.db,
        ctx.accountId,
        {
          creditorId: filter?.creditor,
          caseId: filter?.case,
          status: filter?.status,
          bankTransactionDateFrom: parseDateArg('filter.bankTransactionDateFrom', filter?.bankTransactionDateFrom),
          bankTransactionDateTo: parseDateArg('filter.bankTransactionDateTo', filter?.bankTransactionDateTo, { upperBound: true }),
          creditorPaymentReference: filter?.creditorPaymentReference,
        },
        page,
        columnsFor(selected),
      );
      // The page's cases in one batch now, so that each row's projections of them resolve at once;
      // only their projection's columns when the items ask no more of their case.
      if (CASE_PROJECTIONS.some((field) => selected.has(field))) {
        const caseIds = found.nodes.map((p) => p.caseId);
        if (!selected.has('case') || isSubsetOf(selectedFieldsAt(info, ['edges', 'node', 'case']), CASE_FIELDS_OF_PROJECTION)) {
          await ctx.loaders.caseProjection.preload(caseIds);
          for (const p of found.nodes) answeredFromProjection.add(p);
        } else {
          await ctx.loaders.case.preload(caseIds);
        }
      }
      return found;
    },
  }),
}));

type PaymentColumn = ColumnOf<'Payment'>;

/** What every payment of a page needs besides its keyset: the case and creditor its projections read. */
const ROW_KEYS: readonly PaymentColumn[] = ['caseId', 'creditorId'];

/**
 * The columns each field of Payment reads from its row (besides the keyset's and ROW_KEYS). A list whose items ask only for fields named here
 * reads only their columns; any other field (one added elsewhere, say) reads every column.
 * test/graphql/listColumns.test.ts checks each field asked alone answers as with every column.
 */
const COLUMNS_OF_FIELD: Readonly<Record<string, readonly PaymentColumn[]>> = {
  __typename: [],
  id: [],
  account: [],
  creditor: [],
  case: [],
  caseInvoiceNumber: [],
  caseReferenceNumber: [],
  createdAt: [],
  currency: ['currency'],
  amount: ['amount'],
  settledAmount: ['settledCosts', 'settledInterest', 'settledCapital'],
  settledCosts: ['settledCosts'],
  settledInterest: ['settledInterest'],
  settledCapital: ['settledCapital'],
  status: ['status'],
  statusReasonLocale: ['statusReasonLocale'],
  bankTransactionDate: ['bankTransactionDate'],
  clientRegistrationDate: ['clientRegistrationDate'],
  bookingDate: ['bookingDate'],
  creditorPaymentReference: ['creditorPaymentReference'],
  origin: ['origin'],
  updatedAt: ['updatedAt'],
  etag: ['etag'],
};

/** The columns the selected fields read, or undefined (every column) when one is not in the table. */
function columnsFor(selected: ReadonlySet<string>): PaymentColumn[] | undefined {
  const columns: PaymentColumn[] = [...ROW_KEYS];
  for (const field of selected) {
    const read = Object.hasOwn(COLUMNS_OF_FIELD, field) ? COLUMNS_OF_FIELD[field] : undefined;
    if (!read) return undefined;
    columns.push(...read);
  }
  return columns;
}

/** The fields of a payment read from its case (and the creditor that comes with it). */
const CASE_PROJECTIONS = ['case', 'creditor', 'caseInvoiceNumber', 'caseReferenceNumber'];

/** The fields of Case that read only the projection's columns (CASE_PROJECTION_COLUMNS; `creditor` by creditorId). */
const CASE_FIELDS_OF_PROJECTION: ReadonlySet<string> = new Set(['__typename', 'id', 'creditor', 'invoiceNumber', 'referenceNumber', 'currency', 'state']);

/**
 * Rows of a page whose items ask of their case only CASE_FIELDS_OF_PROJECTION: their `case` is
 * answered from the projection read for that page. Per row, not per case: the same case asked
 * elsewhere in the operation (with other fields) is read whole by the case loader.
 */
const answeredFromProjection = new WeakSet<Payment>();

function caseOfPageRow(p: Payment, ctx: GraphQLContext): Case | undefined {
  if (!answeredFromProjection.has(p)) return undefined;
  // Only the fields of CASE_FIELDS_OF_PROJECTION are resolved on it (checked by the page above).
  return ctx.loaders.caseProjection.loaded(p.caseId) as Case | undefined;
}

/** A projection of the payment's case: from the page's projection read when there is one, else from the case. */
function ofCase<R>(p: Payment, ctx: GraphQLContext, read: (c: CaseProjection) => R): R | Promise<R> {
  const projection = ctx.loaders.caseProjection.loaded(p.caseId);
  return projection ? read(projection) : projected(ctx.loaders.case.row(p.caseId, 'case'), read);
}

function isSubsetOf(fields: ReadonlySet<string>, of: ReadonlySet<string>): boolean {
  for (const field of fields) if (!of.has(field)) return false;
  return true;
}
