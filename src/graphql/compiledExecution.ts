import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  BREAK,
  type DocumentNode,
  GraphQLError,
  type GraphQLLeafType,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  isEnumType,
  isScalarType,
  visit,
} from 'graphql';
import { isAsyncIterable } from 'graphql-yoga';
import type { Logger } from 'pino';

/**
 * graphql-jit (compiled execution), giving the answers graphql-js gives (checked side by side
 * by bench/jit-ab.ts):
 * - jit coerces variables inside the compiled query and reports a bad one as an execution
 *   error (HTTP 200, its own wording); an operation whose variables do not coerce runs on
 *   graphql-js instead, which refuses it as before (HTTP 400). The limits (limits.ts) have
 *   refused such a request already; this check stays so jit never sees one, and stops at its
 *   first error (each error quotes the whole value).
 * - jit's errors carry locations but no AST nodes or source, and Yoga rebuilds errors from
 *   those when it masks and serialises them: they are rebuilt here with the document's source
 *   and positions, so locations survive. And errors come first again, as graphql-js puts them.
 * - operations with @defer or @stream run on graphql-js's executor (jit cannot deliver in parts).
 * - jit keeps only the message of an error thrown while serialising a value (an invalid Date,
 *   say), so Yoga would show it unmasked: such errors are kept aside under a token message and
 *   given back as the original error, which is then masked and logged like any other.
 */
type EnvelopPlugin = ReturnType<typeof useGraphQlJit>;

const UNEXPECTED = '\u0000unexpected serialisation error ';

export function compiledExecution(schema: GraphQLSchema, logger: Logger): EnvelopPlugin[] {
  const thrown = new Map<string, Error>();
  let sequence = 0;
  const guarded =
    (type: GraphQLLeafType) =>
    (value: unknown): unknown => {
      try {
        return type.serialize(value);
      } catch (error) {
        if (error instanceof GraphQLError) throw error;
        sequence += 1;
        const token = `${UNEXPECTED}${sequence}`;
        thrown.set(token, error instanceof Error ? error : new Error(String(error)));
        throw new Error(token);
      }
    };
  const customSerializers = Object.fromEntries(
    Object.values(schema.getTypeMap())
      .filter((type) => isScalarType(type) || isEnumType(type))
      .map((type) => [type.name, guarded(type as GraphQLLeafType)]),
  );
  const asGraphQLJs: EnvelopPlugin = {
    onExecute: ({ args }) => ({
      onExecuteDone({ result, setResult }) {
        if (isAsyncIterable(result) || !result.errors) return;
        const { errors, ...rest } = result;
        setResult({ errors: errors.map((error) => rebuilt(error, args.document, thrown)), ...rest });
      },
    }),
  };
  return [
    useGraphQlJit(
      { customSerializers },
      {
        enableIf: ({ schema, document, operationName, variableValues }) =>
          !deliversIncrementally(document) && variablesCoerce(schema, document, operationName, variableValues),
        onError: (result) => logger.error({ errors: result.errors }, 'a GraphQL operation did not compile'),
      },
    ),
    asGraphQLJs,
  ];
}

/**
 * graphql-jit has no incremental delivery: an operation with @defer or @stream runs on the
 * graphql-js executor Yoga brings (@graphql-tools/executor), which answers in parts.
 */
const incremental = new WeakMap<DocumentNode, boolean>();
function deliversIncrementally(document: DocumentNode): boolean {
  // Parsed documents are cached by Yoga: each is looked through once.
  const known = incremental.get(document);
  if (known !== undefined) return known;
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === 'defer' || node.name.value === 'stream') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  incremental.set(document, found);
  return found;
}

function variablesCoerce(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: unknown): boolean {
  const operation = getOperationAST(document, operationName);
  const definitions = operation?.variableDefinitions ?? [];
  if (definitions.length === 0) return true;
  return !getVariableValues(schema, definitions, (variables ?? {}) as Record<string, unknown>, { maxErrors: 1 }).errors;
}

function rebuilt(error: GraphQLError, document: DocumentNode, thrown: Map<string, Error>): GraphQLError {
  const original = thrown.get(error.message);
  if (original !== undefined) thrown.delete(error.message);
  const source = document.loc?.source;
  if (original === undefined && (error.nodes || error.source || !error.locations?.length || !source)) return error;
  const lineStarts = source ? [0, ...[...source.body.matchAll(/\r\n|[\n\r]/g)].map((m) => m.index! + m[0].length)] : [];
  return new GraphQLError(original?.message ?? error.message, {
    source,
    positions: source ? error.locations?.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1) : undefined,
    path: error.path,
    originalError: original ?? error.originalError,
    extensions: error.extensions,
  });
}
