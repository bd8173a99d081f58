import type { ObjectRef } from '@pothos/core';
import type DataLoader from 'dataloader';
import { InvalidArgumentError } from '../../domain/errors.ts';
import { isId } from '../../domain/ids.ts';
import { MAX_NODE_IDS } from '../../domain/vocabulary.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { RowLoader } from '../loaders.ts';

/**
 * Object identification (Relay's Node): every object with an id is found again by `node(id)`.
 * Ids stay today's 24-hex ids, unique across all tables (src/domain/ids.ts), so a client keeps
 * the ids it has. The type is not in the id: `node` asks every type's batched loader for it,
 * one statement per type for any number of ids. (Pothos' relay plugin expects the type inside
 * the id, which would change every id clients hold; hence this small registry instead.)
 */

interface Row {
  id: string;
}
type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
/** A request's loader of one type's rows by id, inside the caller's account. */
type LoaderOf<T extends Row> = (ctx: GraphQLContext) => DataLoader<string, T | null>;

const nodeTypes: Array<{ name: string; loader: LoaderOf<Row> }> = [];
/** Which type each row `node` found is: resolveType reads it. */
const typeOfRow = new WeakMap<object, string>();

export const NodeRef = builder.interfaceRef<Row>('Node').implement({
  description: 'An object with an id unique across every type: node(id) finds it again (Relay refetch, cache normalization).',
  fields: (t) => ({ id: t.exposeID('id') }),
  resolveType: (row) => typeOfRow.get(row) ?? null,
});

/**
 * Makes a type findable by `node`/`nodes` and gives it its by-id root field (`payment(id:)` …):
 * one call per type. The type's implement() lists NodeRef among its interfaces.
 */
export function nodeType<T extends Row>(ref: ObjectRef<Types, T>, rootField: string, loader: LoaderOf<T>): void {
  nodeTypes.push({ name: ref.name, loader });
  builder.queryField(rootField, (t) =>
    t.field({
      type: ref,
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      // Generic over the row type, which Pothos cannot check here; the loader's rows are the ref's.
      resolve: (_, { id }, ctx) => (isId(id) ? loader(ctx).load(id) : null) as never,
    }),
  );
}

const loadersOfRequest = new WeakMap<GraphQLContext, Map<unknown, DataLoader<string, Row | null>>>();

/** A per-request loader over `find` (rows of the caller's account among the ids), for types the shared loaders lack. */
export function requestLoader<T extends Row>(find: (ctx: GraphQLContext, ids: string[]) => Promise<T[]>): LoaderOf<T> {
  const key = {};
  return (ctx) => {
    let loaders = loadersOfRequest.get(ctx);
    if (!loaders) {
      loaders = new Map();
      loadersOfRequest.set(ctx, loaders);
    }
    let loader = loaders.get(key) as DataLoader<string, T | null> | undefined;
    if (!loader) {
      loader = new RowLoader<T>((ids) => find(ctx, ids));
      loaders.set(key, loader as DataLoader<string, Row | null>);
    }
    return loader;
  };
}

/** The object of the caller's account with this id, whatever its type; null for an unknown or another account's id. */
async function findNode(ctx: GraphQLContext, id: string): Promise<Row | null> {
  if (!isId(id)) return null;
  const found = await Promise.all(nodeTypes.map(async ({ name, loader }) => ({ name, row: await loader(ctx).load(id) })));
  const hit = found.find(({ row }) => row !== null);
  if (!hit?.row) return null;
  typeOfRow.set(hit.row, hit.name);
  return hit.row;
}

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    description: 'The object with this id (a payment, case, creditor or file import report of your account), or null.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => findNode(ctx, id),
  }),
  nodes: t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    description: `The objects with these ids, in their order; null for each id not found in your account. At most ${MAX_NODE_IDS} ids.`,
    args: { ids: t.arg.idList({ required: true }) },
    // Each id may cost a lookup and its object's selection.
    complexity: (args) => ({ field: 1, multiplier: Math.max(1, Math.min(args.ids.length, MAX_NODE_IDS)) }),
    resolve: (_, { ids }, ctx) => {
      if (ids.length > MAX_NODE_IDS) throw new InvalidArgumentError('ids', `ids: at most ${MAX_NODE_IDS} ids in one request, got ${ids.length}.`);
      // All lookups start in one tick, so each type's loader reads every id in one statement.
      return Promise.all(ids.map((id) => findNode(ctx, id)));
    },
  }),
}));
