import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { authenticate } from '../auth/apiKeys.ts';
import type { Db } from '../db/client.ts';
import type { GraphQLContext } from '../graphql/context.ts';

/** The graphql-ws connection_init payload field holding the API key (the x-api-key header's name). */
export const WS_API_KEY_PARAM = 'x-api-key';

type Enveloped = ReturnType<YogaServerInstance<Record<string, unknown>, GraphQLContext>['getEnveloped']>;

/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the GraphQL endpoint of the HTTP server, run
 * through Yoga's envelop as its documentation shows: the same parser, limits, validation, context
 * (the API key check), execution and error masking as HTTP requests. The key travels in the
 * connection_init payload (`{"x-api-key": "..."}`), browsers' WebSockets sending no custom headers;
 * a connection without a valid key is closed with 4403 before any operation runs.
 */
export function serveGraphQLOverWebSocket(server: Server, yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>, db: Db) {
  const sockets = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const keyOf = (params: Readonly<Record<string, unknown>> | undefined) => {
    const key = params?.[WS_API_KEY_PARAM];
    return typeof key === 'string' ? key : null;
  };
  useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      onConnect: async (ctx) => (await authenticate(db, keyOf(ctx.connectionParams))) !== null,
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          // The context reads the key as it would from a request's header.
          request: { headers: new Headers(keyOf(ctx.connectionParams) ? { [WS_API_KEY_PARAM]: keyOf(ctx.connectionParams)! } : {}) },
        });
        try {
          const document = enveloped.parse(payload.query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return errors;
          const args: ExecutionArgs = {
            schema: enveloped.schema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: await enveloped.contextFactory(),
            rootValue: enveloped,
          };
          return args;
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
      },
    },
    sockets,
  );
  return {
    /** Open connections (tests check a closed one is gone). */
    connections: () => sockets.clients.size,
    /** Closes every connection (1001, going away) and stops accepting new ones. */
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets.clients) socket.close(1001, 'server shutting down');
        sockets.close(() => resolve());
      }),
  };
}
