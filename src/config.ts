import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './db/client.ts';
import { readManifest, type TrustedDocuments } from './graphql/trustedDocuments.ts';

/** Everything the service reads from its environment, in one place, checked at start. */
export interface ServiceConfig {
  databaseUrl: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  corsOrigins: string[];
  /** Seed a demo account into an empty database (default: on for SQLite, off for Postgres). */
  demo: boolean;
  dbPoolSize: number;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** HTTP timeouts in milliseconds; 0 turns one off. */
  timeouts: { requestMs: number; headersMs: number; keepAliveMs: number; connectionMs: number };
  /** Requests per API key per minute; 0 means no limit. */
  rateLimitPerMinute: number;
  /** Serve Prometheus text at /metrics. */
  metrics: boolean;
  /** Where OpenTelemetry traces go (OTLP/HTTP); null: tracing off. */
  tracing: { endpoint: string; serviceName: string } | null;
  /** Hard deadline for draining requests on SIGTERM/SIGINT. */
  shutdownTimeoutMs: number;
  /** The frontends' operations by hash (a manifest file); null: any document runs. */
  trustedDocuments: TrustedDocuments | null;
  /** How long a file import's claim holds without progress before another process takes it over. */
  importLeaseMs: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A setting the service cannot start with; the message names the variable and what to do. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

// Unset and empty (`FOO=` in a compose file) both mean "the default".
const unsetIfEmpty = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const setting = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema);
const whole = (min: number, max: number) => z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));
const MAX_MS = 2_147_483_647; // setTimeout's largest delay
const ms = (fallback: number) => setting(whole(0, MAX_MS).default(fallback));
/** A comma-separated list, each entry trimmed and checked by `item`; empty entries are dropped. */
const commaList = (item: z.ZodType<string, string>) =>
  setting(
    z
      .string()
      .transform((list) =>
        list
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .pipe(z.array(item))
      .default([]),
  );

const databaseUrl = z.string().refine((url) => {
  if (url.startsWith('file:')) return url.length > 'file:'.length;
  if (!/^postgres(ql)?:\/\//.test(url)) return false;
  return URL.canParse(url) && new URL(url).hostname !== '';
});

const origin = z.string().refine((o) => URL.canParse(o) && new URL(o).origin === o);

/** The environment's shape: variable name, how it is parsed, its default. */
const Environment = z
  .object({
    DATABASE_URL: setting(databaseUrl.default(DEFAULT_DATABASE_URL)),
    PORT: setting(whole(0, 65535).default(4000)),
    HOST: setting(z.string().trim().default('127.0.0.1')),
    LOG_LEVEL: setting(z.enum(LOG_LEVELS).default('info')),
    CORS_ORIGINS: commaList(origin),
    DEMO: setting(z.stringbool().optional()),
    DB_POOL_SIZE: setting(whole(1, 1000).default(10)),
    BODY_LIMIT_BYTES: setting(whole(1, 1024 * 1024 * 1024).default(1024 * 1024)),
    REQUEST_TIMEOUT_MS: ms(30_000),
    HEADERS_TIMEOUT_MS: ms(10_000),
    KEEP_ALIVE_TIMEOUT_MS: ms(5_000),
    CONNECTION_TIMEOUT_MS: ms(60_000),
    RATE_LIMIT_PER_MINUTE: setting(whole(0, 1_000_000).default(0)),
    METRICS: setting(z.stringbool().default(true)),
    OTEL_EXPORTER_OTLP_ENDPOINT: setting(z.url({ protocol: /^https?$/ }).optional()),
    OTEL_SERVICE_NAME: setting(z.string().trim().default('creditor-payments')),
    SHUTDOWN_TIMEOUT_MS: setting(whole(1, MAX_MS).default(10_000)),
    TRUSTED_DOCUMENTS_MANIFEST: setting(z.string().trim().optional()),
    TRUSTED_DOCUMENTS_ONLY: setting(z.stringbool().default(false)),
    TRUSTED_DOCUMENTS_OPEN_KEYS: commaList(z.string().regex(/^[0-9a-f]{24}$/)),
    IMPORT_LEASE_MS: setting(whole(1000, MAX_MS).default(30_000)),
  })
  .superRefine((env, context) => {
    // Node refuses a headers timeout longer than the whole request's.
    if (env.REQUEST_TIMEOUT_MS > 0 && env.HEADERS_TIMEOUT_MS > env.REQUEST_TIMEOUT_MS) {
      context.addIssue({ code: 'custom', path: ['HEADERS_TIMEOUT_MS'], message: 'headers' });
    }
    if (env.TRUSTED_DOCUMENTS_ONLY && !env.TRUSTED_DOCUMENTS_MANIFEST) {
      context.addIssue({ code: 'custom', path: ['TRUSTED_DOCUMENTS_ONLY'], message: 'manifest' });
    }
  });

type Variable = keyof z.input<typeof Environment>;

const BOOLEAN = 'true or false (also 1/0, yes/no, on/off)';
const MILLISECONDS = 'a whole number of milliseconds (0 turns it off)';

/** What each variable accepts and its default, for the message when it does not parse. */
const EXPECTED: Record<Variable, string> = {
  DATABASE_URL: `file:<path> for SQLite or postgresql://user@host:port/database for PostgreSQL (default ${DEFAULT_DATABASE_URL})`,
  PORT: 'a port number from 0 to 65535 (default 4000)',
  HOST: 'an interface address or host name (default 127.0.0.1)',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')} (default info)`,
  CORS_ORIGINS: 'comma-separated origins such as https://app.example.com (scheme, host and port only, no path or trailing slash)',
  DEMO: `${BOOLEAN} (default: on for SQLite, off for PostgreSQL)`,
  DB_POOL_SIZE: 'a whole number of connections from 1 to 1000 (default 10)',
  BODY_LIMIT_BYTES: 'a whole number of bytes, at least 1 (default 1048576)',
  REQUEST_TIMEOUT_MS: `${MILLISECONDS} (default 30000)`,
  HEADERS_TIMEOUT_MS: `${MILLISECONDS} (default 10000)`,
  KEEP_ALIVE_TIMEOUT_MS: `${MILLISECONDS} (default 5000)`,
  CONNECTION_TIMEOUT_MS: `${MILLISECONDS} (default 60000)`,
  RATE_LIMIT_PER_MINUTE: 'a whole number of requests per API key per minute; 0 means no limit (default 0)',
  METRICS: `${BOOLEAN} (default true)`,
  OTEL_EXPORTER_OTLP_ENDPOINT: 'the http:// or https:// URL of an OTLP/HTTP collector (unset: tracing off)',
  OTEL_SERVICE_NAME: 'a service name (default creditor-payments)',
  SHUTDOWN_TIMEOUT_MS: 'a whole number of milliseconds, at least 1 (default 10000)',
  TRUSTED_DOCUMENTS_MANIFEST: 'the path of a JSON file mapping each operation hash to its document (unset: no trusted documents)',
  TRUSTED_DOCUMENTS_ONLY: `${BOOLEAN} (default false; true needs TRUSTED_DOCUMENTS_MANIFEST)`,
  TRUSTED_DOCUMENTS_OPEN_KEYS: 'comma-separated API key ids (24 hex characters each) that may send any document',
  IMPORT_LEASE_MS: 'a whole number of milliseconds, at least 1000 (default 30000)',
};

/** Values that may hold a password are never echoed. */
// An open-keys list may hold a whole key pasted by mistake.
const SECRET: ReadonlySet<Variable> = new Set(['DATABASE_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'TRUSTED_DOCUMENTS_OPEN_KEYS']);

/** Reads and checks every variable; throws a ConfigError listing each bad one. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const variables = Object.fromEntries(Object.keys(EXPECTED).map((name) => [name, env[name]]));
  const parsed = Environment.safeParse(variables);
  if (!parsed.success) {
    const problems = new Map<string, string>();
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]) as Variable;
      if (problems.has(name)) continue;
      if (issue.message === 'manifest') {
        problems.set(name, 'TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS_MANIFEST: set the manifest path, or unset TRUSTED_DOCUMENTS_ONLY.');
        continue;
      }
      if (issue.message === 'headers') {
        problems.set(
          name,
          `HEADERS_TIMEOUT_MS (${env.HEADERS_TIMEOUT_MS ?? 10_000}) must not exceed REQUEST_TIMEOUT_MS (${env.REQUEST_TIMEOUT_MS ?? 30_000}): lower it or raise REQUEST_TIMEOUT_MS.`,
        );
        continue;
      }
      const shown = SECRET.has(name) ? '' : `="${env[name]}"`;
      problems.set(name, `${name}${shown} is not valid: set it to ${EXPECTED[name]}, or unset it.`);
    }
    throw new ConfigError([...problems.values()]);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS,
    demo: e.DEMO ?? e.DATABASE_URL.startsWith('file:'),
    dbPoolSize: e.DB_POOL_SIZE,
    bodyLimit: e.BODY_LIMIT_BYTES,
    timeouts: {
      requestMs: e.REQUEST_TIMEOUT_MS,
      headersMs: e.HEADERS_TIMEOUT_MS,
      keepAliveMs: e.KEEP_ALIVE_TIMEOUT_MS,
      connectionMs: e.CONNECTION_TIMEOUT_MS,
    },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    metrics: e.METRICS,
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME } : null,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    trustedDocuments: e.TRUSTED_DOCUMENTS_MANIFEST
      ? { documents: manifestOf(e.TRUSTED_DOCUMENTS_MANIFEST), only: e.TRUSTED_DOCUMENTS_ONLY, openKeyIds: new Set(e.TRUSTED_DOCUMENTS_OPEN_KEYS) }
      : null,
    importLeaseMs: e.IMPORT_LEASE_MS,
  };
}

/** The manifest is read at start: a missing or broken file stops the start like any bad setting. */
function manifestOf(path: string): Map<string, string> {
  try {
    return readManifest(path);
  } catch (error) {
    throw new ConfigError([`TRUSTED_DOCUMENTS_MANIFEST: ${(error as Error).message}; fix the file or unset the variable.`]);
  }
}

/** DATABASE_URL alone, for the admin and migrate CLIs (they need none of the HTTP settings). */
export function readDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const parsed = Environment.shape.DATABASE_URL.safeParse(env.DATABASE_URL);
  if (!parsed.success) throw new ConfigError([`DATABASE_URL is not valid: set it to ${EXPECTED.DATABASE_URL}, or unset it.`]);
  return parsed.data;
}
