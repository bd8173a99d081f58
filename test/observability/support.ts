import type { FastifyInstance } from 'fastify';
import { type AppConfig, createApp } from '../../src/app.ts';
import { createHarness } from '../support/harness.ts';

/** One parsed pino line. */
export type LogLine = Record<string, any> & { level: number; msg: string; reqId?: string };

export const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** A pino destination that keeps every line, parsed. */
export function logCapture() {
  const lines: LogLine[] = [];
  return {
    lines,
    stream: { write: (line: string) => void lines.push(JSON.parse(line)) },
    /** The lines of one request. */
    of: (reqId: string) => lines.filter((l) => l.reqId === reqId),
  };
}

/** The harness (a fresh database with tenants) with the whole HTTP app over it. */
export async function createObservedApp(config: Omit<AppConfig, 'db'> = {}) {
  const harness = await createHarness();
  const app: FastifyInstance = await createApp({ db: harness.db, logLevel: 'silent', ...config });
  await app.ready();

  async function graphql(apiKey: string | null, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}), ...headers },
      payload: JSON.stringify({ query, variables }),
    });
    return { status: response.statusCode, headers: response.headers, body: response.json() };
  }

  async function rest(method: 'GET' | 'POST', url: string, apiKey: string | null, body?: unknown, headers: Record<string, string> = {}) {
    const response = await app.inject({
      method,
      url,
      headers: { ...(apiKey ? { 'x-api-key': apiKey } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: response.statusCode, headers: response.headers, text: response.body };
  }

  return {
    ...harness,
    app,
    graphql,
    rest,
    async close() {
      await app.close();
      await harness.close();
    },
  };
}
