/** What a DATABASE_URL names, without loading a Prisma client. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** The database when DATABASE_URL is unset or empty: the server's, the CLIs' and prisma.config.ts'. */
export const DEFAULT_DATABASE_URL = 'file:./data/payments.db';

export function databaseKindOf(databaseUrl: string): DatabaseKind {
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgres';
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(databaseUrl)?.[0] ?? 'no scheme';
  throw new Error(`Unsupported DATABASE_URL (${scheme}): expected file:<path> for SQLite or postgresql://... for PostgreSQL`);
}

/** The path in a `file:` URL, read as @prisma/adapter-better-sqlite3 reads it (relative to the cwd). */
export function sqlitePath(databaseUrl: string): string {
  return databaseUrl.replace(/^file:/, '');
}

/** The same Postgres server and credentials, another database. */
export function urlForDatabase(postgresUrl: string, database: string): string {
  const url = new URL(postgresUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** A Postgres URL fit for logs: no user or password. */
export function redactedUrl(databaseUrl: string): string {
  if (databaseKindOf(databaseUrl) === 'sqlite') return databaseUrl;
  const url = new URL(databaseUrl);
  return `${url.protocol}//${url.host}${url.pathname}`;
}
