import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, getVariableValues, GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { createYoga, isAsyncIterable, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { authenticateWithAccount } from '../auth/apiKeys.ts';
import type { Db } from '../db/client.ts';
import { InvalidArgumentError } from '../domain/errors.ts';
import type { GraphQLContext } from './context.ts';
import { LIMITS } from './limits.ts';
import { createLoaders } from './loaders.ts';
import { schema } from './schema.ts';

export interface GraphQLOptions {
  db: Db;
  logger: Logger;
  /** Off only to measure what batching saves (the benchmark's naive baseline). */
  batchLoads?: boolean;
  /** Put into GraphiQL's header editor (the demo's key), so a visitor can run a query at once. */
  graphiqlApiKey?: string;
  /**
   * Compiled execution (graphql-jit): each operation is compiled once into a function
   * (cached per parsed document), which runs a 100-row list about 1 ms faster than
   * graphql-js's interpreter (bench/jit-ab.ts). On by default; off only to compare.
   */
  jit?: boolean;
}

const EXAMPLE_OPERATION = `# Payments of your account, newest first, with the case each was applied to.
query RecentPayments {
  payments(first: 10) {
    totalCount
    edges {
      node {
        id
        amount
        settledAmount
        status
        statusReasonLocale
        caseInvoiceNumber
        case { state remainingTotal }
        creditor { name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

export function createGraphQL(options: GraphQLOptions): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  const { db, logger } = options;
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    logging: logger,
    // GraphiQL's scripts served from here, not a CDN: it works on networks without internet access.
    // Loaded on the first visit only: the bundle costs some 80 MB of memory once imported.
    renderGraphiQL: async (graphiqlOptions) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    graphiql: {
      title: 'Creditor payments',
      defaultQuery: EXAMPLE_OPERATION,
      headers: JSON.stringify({ 'x-api-key': options.graphiqlApiKey ?? '<your API key>' }),
    },
    // CORS is the HTTP host's business (configured there, closed by default).
    cors: false,
    // One operation per request: a batch would multiply every limit below.
    batching: false,
    plugins: [
      // Size limits on the document, checked while it is parsed and validated (cost, depth and
      // breadth are Pothos' complexity plugin, which knows page sizes).
      EnvelopArmorPlugin({
        maxAliases: { n: LIMITS.aliases },
        maxDirectives: { n: LIMITS.directives },
        maxTokens: { n: LIMITS.tokens },
        maxDepth: { enabled: false },
        costLimit: { enabled: false },
        // Suggestions help people in GraphiQL, and the schema is public through introspection anyway.
        blockFieldSuggestion: { enabled: false },
      }),
      ...(options.jit === false ? [] : compiledExecution()),
    ],
    context: async ({ request }) => {
      const caller = await authenticateWithAccount(db, request.headers.get('x-api-key'));
      if (!caller) {
        throw new GraphQLError('A valid x-api-key header is required.', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return {
        db,
        accountId: caller.accountId,
        loaders: createLoaders(db, caller.accountId, options.batchLoads ?? true, caller.account),
        idempotencyKey: request.headers.get('idempotency-key'),
      };
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        // Bad arguments to a read (page size, cursor, date filter) are the client's to fix: show them.
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof InvalidArgumentError && error instanceof GraphQLError) {
          return new GraphQLError(original.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            extensions: { code: 'BAD_USER_INPUT', field: original.field },
          });
        }
        if (!(original instanceof GraphQLError)) logger.error({ err: original }, 'unexpected error in a GraphQL request');
        return maskError(error, message, isDev);
      },
    },
  });
}

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

function compiledExecution(): EnvelopPlugin[] {
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
