import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createFetch } from '@whatwg-node/fetch';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type Plugin, type YogaServerInstance, type YogaServerOptions } from 'graphql-yoga';
import type { Logger } from 'pino';
import { authenticate } from '../auth/apiKeys.ts';
import type { Db } from '../db/client.ts';
import { InvalidArgumentError, OutcomeUnknownError } from '../domain/errors.ts';
import { MAX_IMPORT_FILE_BYTES } from '../domain/vocabulary.ts';
import { inRequestLogScope, type RegistrationObserver, requestLog, yogaLogger } from '../observability/index.ts';
import { compiledExecution } from './compiledExecution.ts';
import type { GraphQLContext } from './context.ts';
import { LIMITS, requestLimits } from './limits.ts';
import { createLoaders, type LoaderFactory } from './loaders.ts';
import { schema } from './schema.ts';
import { type TrustedDocuments, trustedDocumentsPlugin } from './trustedDocuments.ts';

export interface GraphQLOptions {
  db: Db;
  logger: Logger;
  /** Builds each request's loaders (default createLoaders); the benchmark injects its naive variant. */
  createLoaders?: LoaderFactory;
  /** Put into GraphiQL's header editor (the demo's key), so a visitor can run a query at once. */
  graphiqlApiKey?: string;
  /** Observability's plugins (operation name in logs, metrics, traces), run before the others. */
  plugins?: Plugin[];
  /** Told the result of every registerPayment (metrics count them). */
  onRegistered?: RegistrationObserver;
  /** The frontends' operations by hash; unset: any document runs. */
  trustedDocuments?: TrustedDocuments;
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

type GraphQLServer = YogaServerInstance<Record<string, unknown>, GraphQLContext>;
type GraphQLServerOptions = YogaServerOptions<Record<string, unknown>, GraphQLContext> & { plugins: Plugin[] };

/**
 * The GraphQL app: compiled execution (graphql-jit) last in the plugin list. Each operation is
 * compiled once into a function (cached per parsed document), which runs a 100-row list about
 * 1 ms faster than graphql-js's interpreter (bench/jit-ab.ts compares the two).
 */
/** The header a multipart (upload) request must send. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** The plugin's request check, for every method but GET. */
function exceptGet(plugin: Plugin): Plugin {
  const check = plugin.onRequestParse;
  if (!check) return plugin;
  return { ...plugin, onRequestParse: (payload) => (payload.request.method === 'GET' ? undefined : check(payload)) };
}

export function createGraphQL(options: GraphQLOptions): GraphQLServer {
  const interpreted = interpretedGraphQLOptions(options);
  return createYoga({ ...interpreted, plugins: [...interpreted.plugins, ...compiledExecution(schema, options.logger)] });
}

/** Everything createGraphQL gives Yoga but compiled execution (graphql-js's interpreter runs operations). */
export function interpretedGraphQLOptions(options: GraphQLOptions): GraphQLServerOptions {
  const { db, logger } = options;
  const loadersFor = options.createLoaders ?? createLoaders;
  // Unexpected errors are logged once, where they are masked, through the request's logger.
  const logged = new WeakSet<object>();
  const log = masksLoggedPerRequest(logger);
  return {
    schema,
    graphqlEndpoint: '/graphql',
    // Yoga's lines carry the request's id and operation; its own copy of an error goes to debug.
    logging: yogaLogger(logger),
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
    // Uploads are read with limits: the file's size, one file, small other parts (the operation).
    fetchAPI: createFetch({ formDataLimits: { fileSize: MAX_IMPORT_FILE_BYTES, files: 1, fields: 10, fieldSize: 64 * 1024 } }),
    plugins: [
      ...(options.plugins ?? []),
      log.plugin,
      ...(options.trustedDocuments ? [trustedDocumentsPlugin(db, options.trustedDocuments)] : []),
      // A multipart upload is a "simple" request a browser sends cross-site without a preflight: it must carry this header.
      // GET is left alone: it never runs a mutation (Yoga refuses them over GET), and persisted reads are sent by GET.
      exceptGet(useCSRFPrevention({ requestHeaders: [CSRF_HEADER] })),
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
      // @defer and @stream: such operations run on graphql-js's executor (compiledExecution leaves them), within the same limits.
      useDeferStream() as Plugin,
      // createGraphQL appends compiled execution after these: nothing is compiled or run for a request past a limit.
      requestLimits(),
    ],
    context: async ({ request }) => {
      const caller = await authenticate(db, request.headers.get('x-api-key'));
      if (!caller) {
        throw new GraphQLError('A valid x-api-key header is required.', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return {
        db,
        accountId: caller.accountId,
        loaders: loadersFor(db, caller.accountId, caller.account),
        idempotencyKey: request.headers.get('idempotency-key'),
        onRegistered: options.onRegistered,
      };
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        // Bad arguments to a read (page size, cursor, date filter) are the client's to fix: show them.
        // A GraphQLError raised as such (401, a syntax error, a limit) has no originalError: it is its own.
        const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        if (original instanceof InvalidArgumentError && error instanceof GraphQLError) {
          return new GraphQLError(original.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            extensions: { code: 'BAD_USER_INPUT', field: original.field },
          });
        }
        // A registration whose commit was cut off: 503, and the message says how to resend safely.
        if (original instanceof OutcomeUnknownError && error instanceof GraphQLError) {
          const answered = new GraphQLError(original.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            extensions: { code: 'OUTCOME_UNKNOWN', http: { status: 503 } },
          });
          log.later(answered, (to) => to.warn({ err: original }, 'payment registration outcome unknown after a lost database connection'));
          return answered;
        }
        // The one line for an unexpected error, with the request's id and operation; an error that
        // reaches the mask through two wrappers is still logged once.
        const masked = maskError(error, message, isDev);
        const culprit = original ?? error;
        if (masked !== error) {
          if (!(typeof culprit === 'object' && culprit !== null && logged.has(culprit)))
            log.later(masked, (to) => to.error({ err: culprit }, 'unexpected error in a GraphQL request'));
          for (const seen of [culprit, error]) if (typeof seen === 'object' && seen !== null) logged.add(seen);
        }
        return masked;
      },
    },
  };
}

type LineWriter = (to: Pick<Logger, 'error' | 'warn'>) => void;

/**
 * maskError sees no request. The line for a masked error is written when its answer is about to
 * be sent (Yoga's onResultProcess), through that request's logger (its id and operation); an
 * answer that never passes there (a WebSocket operation's) gets it from the process's logger once
 * the current turn of the event loop is over. Inside a debug-level request scope it is written at once.
 */
function masksLoggedPerRequest(logger: Logger) {
  const unwritten = new WeakMap<object, LineWriter>();
  const writeWith = (error: object, to: Pick<Logger, 'error' | 'warn'>) => {
    const write = unwritten.get(error);
    if (!write) return;
    unwritten.delete(error);
    write(to);
  };
  const plugin: Plugin = {
    onResultProcess({ result, serverContext }) {
      const to = (serverContext as { req?: { log?: Logger } }).req?.log ?? logger;
      for (const one of Array.isArray(result) ? result : [result]) {
        if (Symbol.asyncIterator in one) continue;
        for (const error of one.errors ?? []) writeWith(error, to);
      }
    },
  };
  return {
    plugin,
    later(masked: object, write: LineWriter) {
      if (inRequestLogScope()) return write(requestLog(logger));
      unwritten.set(masked, write);
      setImmediate(() => writeWith(masked, logger));
    },
  };
}
