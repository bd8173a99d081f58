import { DEFAULT_DATABASE_URL } from './db/client.ts';

/** Everything the service reads from its environment, in one place. */
export interface ServiceConfig {
  databaseUrl: string;
  port: number;
  host: string;
  logLevel: string;
  corsOrigins: string[];
  /** Seed a demo account into an empty database (default: on for SQLite, off for Postgres). */
  demo: boolean;
  dbPoolSize: number;
  /**
   * GRAPHQL_BATCH=false turns DataLoader batching off (one lookup per row): only the
   * benchmark's naive baseline uses it, to measure what batching saves.
   */
  graphqlBatch: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  return {
    databaseUrl,
    port,
    host: env.HOST ?? '127.0.0.1',
    logLevel: env.LOG_LEVEL ?? 'info',
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    demo: env.DEMO ? env.DEMO !== 'false' && env.DEMO !== '0' : databaseUrl.startsWith('file:'),
    dbPoolSize: Number(env.DB_POOL_SIZE ?? 10),
    graphqlBatch: env.GRAPHQL_BATCH !== 'false' && env.GRAPHQL_BATCH !== '0',
  };
}
