import type { Account } from '../../db/client.ts';
import { builder } from '../builder.ts';

export const AccountRef = builder.objectRef<Account>('Account').implement({
  description: 'A client of the collection agency: the owner of an API key.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
  }),
});
