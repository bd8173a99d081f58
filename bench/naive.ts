import { findCase } from '../src/domain/cases.ts';
import { createLoaders, type LoaderFactory, RowLoader } from '../src/graphql/loaders.ts';

/**
 * The benchmark's naive baseline: the product's loaders, except that the case and creditor a
 * list's rows point at are looked up one row at a time (DataLoader without batching). Its
 * per-request cache still lets a row's three case fields share one lookup and rows share a
 * creditor's, so it is the kindest naive baseline.
 */
export const naiveLoaders: LoaderFactory = (db, accountId, account) => {
  const oneByOne = <T extends { id: string }>(find: (id: string) => Promise<T | null>) =>
    new RowLoader<T>(async ([id]) => [await find(id!)].filter((row): row is T => row !== null), { batch: false });
  return {
    ...createLoaders(db, accountId, account),
    case: oneByOne((id) => findCase(db, accountId, id)),
    caseProjection: oneByOne((id) => findCase(db, accountId, id)),
    creditor: oneByOne((id) => db.creditor.findFirst({ where: { id, accountId } })),
  };
};
