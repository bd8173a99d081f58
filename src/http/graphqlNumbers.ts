import {
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  parse,
  typeFromAST,
} from 'graphql';
import { ExactNumber } from './jsonBody.ts';

/**
 * A GraphQL body's ExactNumbers, resolved by the type each variable has in the operation: the
 * exact text where a Decimal is expected (the domain refuses a third decimal instead of a double
 * rounding it away), and what JSON.parse would have made of it anywhere else, so a String
 * variable sent a long number is refused as before. Runs only for bodies that hold one.
 */
export function resolveExactNumbers(schema: GraphQLSchema, body: Record<string, unknown>): Record<string, unknown> {
  const variableTypes = operationVariableTypes(schema, body);
  const resolved: Record<string, unknown> = { ...body };
  for (const [key, value] of Object.entries(body)) {
    if (key !== 'variables' || value === null || typeof value !== 'object' || Array.isArray(value)) {
      resolved[key] = resolve(undefined, value);
      continue;
    }
    resolved.variables = Object.fromEntries(Object.entries(value).map(([name, v]) => [name, resolve(variableTypes.get(name), v)]));
  }
  return resolved;
}

export function holdsExactNumber(value: unknown): boolean {
  if (value instanceof ExactNumber) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(holdsExactNumber);
}

function operationVariableTypes(schema: GraphQLSchema, body: Record<string, unknown>): Map<string, GraphQLInputType> {
  const types = new Map<string, GraphQLInputType>();
  if (typeof body.query !== 'string') return types;
  let operations: OperationDefinitionNode[];
  try {
    operations = parse(body.query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  } catch {
    return types; // Yoga reports the syntax error.
  }
  const operation = typeof body.operationName === 'string' ? operations.find((o) => o.name?.value === body.operationName) : operations[0];
  for (const definition of operation?.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    if (type) types.set(definition.variable.name.value, type);
  }
  return types;
}

function resolve(type: GraphQLInputType | undefined, value: unknown): unknown {
  if (value instanceof ExactNumber) return type && getNamedType(type).name === 'Decimal' ? value.decimalText : value.valueOf();
  if (type && isNonNullType(type)) return resolve(type.ofType, value);
  if (Array.isArray(value)) return value.map((item) => resolve(type && isListType(type) ? type.ofType : undefined, item));
  if (value === null || typeof value !== 'object') return value;
  const fields = type && isInputObjectType(type) ? type.getFields() : undefined;
  return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, resolve(fields?.[name]?.type, v)]));
}
