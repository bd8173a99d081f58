import type { FastifyInstance } from 'fastify';

/**
 * The route handlers still running. A handler goes on after its client has gone (the socket
 * closed, the response with it): a draining server must wait for it, not for the response, before
 * it closes the database under a transaction the handler is about to start or finish.
 */
export interface RunningHandlers {
  readonly count: number;
  /** Resolves once no handler runs (handlers that start meanwhile are waited for too). */
  settled(): Promise<void>;
}

/** Wraps every route registered after this call; the handler's own result is passed on untouched. */
export function trackHandlers(app: FastifyInstance): RunningHandlers {
  const running = new Set<Promise<void>>();
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function tracked(request, reply) {
      const result: unknown = handler.call(this, request, reply);
      // Yoga's handler may answer with a thenable of its own, not a native Promise.
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        const done: Promise<void> = Promise.resolve(result).then(
          () => void running.delete(done),
          () => void running.delete(done),
        );
        running.add(done);
      }
      return result;
    };
  });
  return {
    get count() {
      return running.size;
    },
    async settled() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
