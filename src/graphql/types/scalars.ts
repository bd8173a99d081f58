import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { formatOre } from '../../domain/money.ts';
import { CURRENCIES } from '../../domain/vocabulary.ts';
import { builder } from '../builder.ts';

function literal(node: ValueNode): unknown {
  if (node.kind === Kind.STRING) return node.value;
  // The literal's own digits, so 100.10 is never turned into a float on the way in.
  if (node.kind === Kind.INT || node.kind === Kind.FLOAT) return node.value;
  throw new GraphQLError('expected a string or a number');
}

builder.scalarType('DateTime', {
  description: 'A point in time. Out: ISO 8601 (2025-07-04T16:20:41.000Z). In: ISO 8601 or RFC 1123 (Fri, 04 Jul 2025 16:20:41 GMT).',
  serialize: (value) => (value as Date).toISOString(),
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('DateTime must be a string');
    return value;
  },
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string');
    return node.value;
  },
});

builder.scalarType('Decimal', {
  description: `Money in ${CURRENCIES.join(' or ')}. Out: a string with two decimals ("100.00"). In: a string or a number, at most two decimals.`,
  serialize: (value) => formatOre(value as bigint),
  parseValue: (value) => {
    if (typeof value !== 'string' && typeof value !== 'number') throw new GraphQLError('Decimal must be a string or a number');
    return value;
  },
  parseLiteral: literal,
});
