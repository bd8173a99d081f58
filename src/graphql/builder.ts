import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import type { GraphQLContext } from './context.ts';
import { LIMITS } from './limits.ts';

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
    /** An upload (GraphQL multipart request spec), as Yoga hands it over. */
    File: { Input: File; Output: never };
  };
}>({
  plugins: [ComplexityPlugin],
  defaultFieldNullability: false,
  // Lists multiply by their page size (set on each connection field); other lists are short.
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 1,
    limit: { complexity: LIMITS.complexity, depth: LIMITS.depth, breadth: LIMITS.breadth },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
