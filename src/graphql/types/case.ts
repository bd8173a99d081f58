import { findCaseByInvoiceNumber, listCases, remainingTotal } from '../../domain/cases.ts';
import { isId } from '../../domain/ids.ts';
import { checkPageRequest } from '../../domain/paging.ts';
import { caseStateOf, currencyOf } from '../../domain/vocabulary.ts';
import { builder } from '../builder.ts';
import { connectionField } from '../connection.ts';
import { CaseState, Currency } from './enums.ts';
import { NodeRef, nodeType } from './node.ts';
import { CaseConnection, CaseRef, CreditorRef, PaymentConnection } from './objectRefs.ts';

CaseRef.implement({
  description: 'A collection case of a creditor, and what remains to be paid on it.',
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    creditor: t.field({ type: CreditorRef, resolve: (c, _, ctx) => ctx.loaders.creditor.row(c.creditorId, 'creditor') }),
    invoiceNumber: t.exposeString('invoiceNumber'),
    referenceNumber: t.exposeString('referenceNumber'),
    currency: t.field({ type: Currency, resolve: currencyOf }),
    state: t.field({ type: CaseState, resolve: caseStateOf }),
    remainingCosts: t.field({ type: 'Decimal', resolve: (c) => c.remainingCosts }),
    remainingInterest: t.field({ type: 'Decimal', resolve: (c) => c.remainingInterest }),
    remainingCapital: t.field({ type: 'Decimal', resolve: (c) => c.remainingCapital }),
    remainingTotal: t.field({ type: 'Decimal', resolve: remainingTotal }),
    payments: connectionField(t, {
      type: PaymentConnection,
      description: 'Payments registered on this case, newest first.',
      // Batched: a list of cases asking for their payments costs one statement, not one per case.
      load: (c, page, ctx) => ctx.loaders.paymentsOfCase.load({ parentId: c.id, ...checkPageRequest(page) }),
    }),
  }),
});

const CaseFilter = builder.inputType('CaseFilter', {
  fields: (t) => ({
    creditor: t.id({ required: false }),
    state: t.field({ type: CaseState, required: false }),
    invoiceNumber: t.string({ required: false }),
  }),
});

// The shared case loader: a case found by id brings its creditor along.
nodeType(CaseRef, 'case', (ctx) => ctx.loaders.case);

builder.queryFields((t) => ({
  caseByInvoiceNumber: t.field({
    type: CaseRef,
    nullable: true,
    args: { creditor: t.arg.id({ required: true }), invoiceNumber: t.arg.string({ required: true }) },
    resolve: (_, { creditor, invoiceNumber }, ctx) => (isId(creditor) ? findCaseByInvoiceNumber(ctx.db, ctx.accountId, creditor, invoiceNumber) : null),
  }),
  cases: connectionField(t, {
    type: CaseConnection,
    description: 'Cases of your account, newest first.',
    args: { filter: t.arg({ type: CaseFilter, required: false }) },
    load: (_, { filter, ...page }, ctx) =>
      listCases(ctx.db, ctx.accountId, { creditorId: filter?.creditor, state: filter?.state, invoiceNumber: filter?.invoiceNumber }, page),
  }),
}));
