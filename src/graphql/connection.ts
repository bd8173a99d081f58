import type { InputFieldMap, InputShapeFromFields, ObjectRef, SchemaTypes } from '@pothos/core';
import type { GraphQLResolveInfo } from 'graphql';
import type { Page } from '../domain/paging.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/vocabulary.ts';
import { builder } from './builder.ts';

const PageInfo = builder.objectRef<Page<unknown>>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.string({ nullable: true, resolve: (page) => page.cursors[0] ?? null }),
    endCursor: t.string({ nullable: true, resolve: (page) => page.cursors.at(-1) ?? null }),
  }),
});

/** The cost of a list field: its items' selection counts once per row it may return. */
const listComplexity = (args: { first?: number | null; last?: number | null }) => ({
  field: 1,
  multiplier: Math.max(1, args.first ?? args.last ?? DEFAULT_PAGE_SIZE),
});

/** The arguments of every list (Relay): a page of `first` after a cursor, or of `last` before one. */
const pageArgs = builder.args((t) => ({
  first: t.int({ required: false, description: `Page size: ${DEFAULT_PAGE_SIZE} when not given, at most ${MAX_PAGE_SIZE}.` }),
  after: t.string({ required: false, description: 'Only items after this cursor (the endCursor of the previous page).' }),
  last: t.int({
    required: false,
    description: `Page size paging backward (the last items before the before cursor), at most ${MAX_PAGE_SIZE}; not with first.`,
  }),
  before: t.string({ required: false, description: 'Only items before this cursor (the startCursor of the next page).' }),
}));

/** A Relay connection over a domain page; totalCount runs its count query only when selected. */
export function connectionOf<Types extends SchemaTypes, T>(name: string, node: ObjectRef<Types, T>) {
  const Edge = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: node, resolve: (edge) => edge.node as never }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({
        type: [Edge],
        resolve: (page) => page.nodes.map((n, i) => ({ node: n, cursor: page.cursors[i]! })),
      }),
      pageInfo: t.field({ type: PageInfo, resolve: (page) => page as Page<unknown> }),
      totalCount: t.int({ resolve: (page) => page.totalCount() }),
    }),
  });
}

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * A list field: a connection of `type` with the page arguments (and any of the list's own),
 * costed by its page size; `load` reads the page for the parent.
 */
export function connectionField<Parent, Node, Extra extends InputFieldMap = Record<string, never>>(
  t: PothosSchemaTypes.RootFieldBuilder<Types, Parent, 'Object' | 'Query'>,
  options: {
    type: ObjectRef<Types, Page<Node>>;
    description: string;
    args?: Extra;
    load: (parent: Parent, args: InputShapeFromFields<typeof pageArgs & Extra>, ctx: Types['Context'], info: GraphQLResolveInfo) => Promise<Page<Node>>;
  },
) {
  // A query field's options are an object field's with the root as parent.
  return (t as PothosSchemaTypes.RootFieldBuilder<Types, Parent, 'Object'>).field({
    type: options.type,
    complexity: listComplexity,
    description: options.description,
    args: { ...pageArgs, ...options.args } as typeof pageArgs & Extra,
    resolve: (parent, args, ctx, info) => options.load(parent, args, ctx, info),
  });
}
