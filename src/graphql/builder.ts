import SchemaBuilder from '@pothos/core';
import type { GraphQLContext } from './context.ts';

/** The builder's configuration only; each type lives in its own file under types/. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    // Input stays raw: the domain reads dates and amounts itself, so a malformed one
    // is reported in userErrors with its field, beside every other failure.
    DateTime: { Input: unknown; Output: Date };
    Decimal: { Input: unknown; Output: bigint };
  };
}>({ defaultFieldNullability: false });

builder.queryType({});
builder.mutationType({});
