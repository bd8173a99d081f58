import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { restTest } from './fixtures.ts';

export interface LiveAnswer {
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** One open subscription as a client sees it: the next message (null once it has ended), and closing it. */
export interface LiveSubscription {
  next(timeoutMs?: number): Promise<LiveAnswer | null>;
  close(): Promise<void>;
}

const WAIT_MS = 5_000;

function deadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * A subscription over Server-Sent Events, as a browser's EventSource-like client sends it. Resolves
 * once the server answered (it answers after the subscription is in place); a refusal is `refused`.
 */
export async function subscribeOverSse(
  baseUrl: string,
  apiKey: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; refused?: LiveAnswer; subscription?: LiveSubscription }> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!String(response.headers.get('content-type')).startsWith('text/event-stream')) {
    return { status: response.status, refused: (await response.json()) as LiveAnswer };
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let ended = false;
  let pendingRead: Promise<ReadableStreamReadResult<string>> | null = null;
  const nextEvent = async (): Promise<LiveAnswer | null> => {
    for (;;) {
      const boundary = buffer.indexOf('\n\n');
      if (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (event === 'complete') {
          ended = true;
          return null;
        }
        if (event === 'next' || (event === undefined && data)) return JSON.parse(data) as LiveAnswer;
        continue; // a keep-alive comment
      }
      if (ended) return null;
      pendingRead ??= reader.read();
      const { value, done } = await pendingRead;
      pendingRead = null;
      if (done) {
        ended = true;
        return null;
      }
      buffer += value;
    }
  };
  let inFlight: Promise<LiveAnswer | null> | null = null;
  return {
    status: response.status,
    subscription: {
      next: (ms = WAIT_MS) => {
        inFlight ??= nextEvent().finally(() => {
          inFlight = null;
        });
        return deadline(inFlight, ms, 'SSE message');
      },
      close: async () => {
        controller.abort();
        await reader.cancel().catch(() => {});
      },
    },
  };
}

/** A graphql-ws client of the server's WebSocket endpoint, the API key in connection_init's payload. */
export function webSocketClient(baseUrl: string, apiKey: string | null) {
  const closed: { code?: number } = {};
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: apiKey ? { 'x-api-key': apiKey } : {},
    retryAttempts: 0,
    on: { closed: (event) => (closed.code = (event as { code: number }).code) },
  });
  return {
    client,
    closed,
    subscribe(query: string, variables: Record<string, unknown> = {}): LiveSubscription {
      const iterator = client.iterate({ query, variables });
      let inFlight: Promise<LiveAnswer | null> | null = null;
      return {
        next: (ms = WAIT_MS) => {
          inFlight ??= iterator
            .next()
            .then((result) => (result.done ? null : (result.value as LiveAnswer)))
            .finally(() => {
              inFlight = null;
            });
          return deadline(inFlight, ms, 'WebSocket message');
        },
        close: async () => {
          await iterator.return?.();
        },
      };
    },
    dispose: () => client.dispose(),
  };
}

/** The REST harness with its app listening on a free local port (SSE and WebSocket need a real socket). */
export const liveTest = restTest.extend('baseUrl', { scope: 'file' }, async ({ harness }) => {
  return harness.app.listen({ port: 0, host: '127.0.0.1' });
});

/** Waits until `check` holds (listener counts settle after a socket closes). */
export async function eventually(check: () => boolean, ms = WAIT_MS): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
