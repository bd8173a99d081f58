import { listCreditors } from '../../domain/creditors.ts';
import { checkPageRequest } from '../../domain/paging.ts';
import { builder } from '../builder.ts';
import { connectionField } from '../connection.ts';
import { AccountRef } from './account.ts';
import { NodeRef, nodeType } from './node.ts';
import { CaseConnection, CreditorConnection, CreditorRef } from './objectRefs.ts';

CreditorRef.implement({
  description: 'A legal entity that owns claims; belongs to one account.',
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    account: t.field({ type: AccountRef, resolve: (c, _, ctx) => ctx.loaders.account.row(c.accountId, 'account') }),
    cases: connectionField(t, {
      type: CaseConnection,
      description: "The creditor's cases, newest first.",
      // Batched: a list of creditors asking for their cases costs one statement, not one per creditor.
      load: (c, page, ctx) => ctx.loaders.casesOfCreditor.load({ parentId: c.id, ...checkPageRequest(page) }),
    }),
  }),
});

nodeType(CreditorRef, 'creditor', (ctx) => ctx.loaders.creditor);

builder.queryFields((t) => ({
  creditors: connectionField(t, {
    type: CreditorConnection,
    description: 'Creditors of your account, newest first.',
    load: (_, page, ctx) => listCreditors(ctx.db, ctx.accountId, page),
  }),
}));
