import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, getVariableValues, GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { isAsyncIterable } from 'graphql-yoga';

/**
 * graphql-jit (compiled execution), giving the answers graphql-js gives (checked side by side
 * by bench/jit-ab.ts):
 * - jit coerces variables inside the compiled query and reports a bad one as an execution
 *   error (HTTP 200, its own wording); an operation whose variables do not coerce runs on
 *   graphql-js instead, which refuses it as before (HTTP 400). Coercing an operation's few
 *   variables once more is cheap.
 * - jit's errors carry locations but no AST nodes or source, and Yoga rebuilds errors from
 *   those when it masks and serialises them: they are rebuilt here with the document's source
 *   and positions, so locations survive. And errors come first again, as graphql-js puts them.
 */
type EnvelopPlugin = ReturnType<typeof useGraphQlJit>;

export function compiledExecution(): EnvelopPlugin[] {
  const asGraphQLJs: EnvelopPlugin = {
    onExecute: ({ args }) => ({
      onExecuteDone({ result, setResult }) {
        if (isAsyncIterable(result) || !result.errors) return;
        const { errors, ...rest } = result;
        setResult({ errors: errors.map((error) => withSource(error, args.document)), ...rest });
      },
    }),
  };
  return [
    useGraphQlJit(
      {},
      { enableIf: ({ schema, document, operationName, variableValues }) => variablesCoerce(schema, document, operationName, variableValues) },
    ),
    asGraphQLJs,
  ];
}

function variablesCoerce(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: unknown): boolean {
  const operation = getOperationAST(document, operationName);
  const definitions = operation?.variableDefinitions ?? [];
  if (definitions.length === 0) return true;
  return !getVariableValues(schema, definitions, (variables ?? {}) as Record<string, unknown>).errors;
}

function withSource(error: GraphQLError, document: DocumentNode): GraphQLError {
  const source = document.loc?.source;
  if (error.nodes || error.source || !error.locations?.length || !source) return error;
  const lineStarts = [0, ...[...source.body.matchAll(/\r\n|[\n\r]/g)].map((m) => m.index! + m[0].length)];
  return new GraphQLError(error.message, {
    source,
    positions: error.locations.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1),
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}
