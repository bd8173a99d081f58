/**
 * Checks made at start, before the service touches any data: the port can be bound and the
 * database can be reached and written. Each failure is a StartError whose message names the
 * setting and what to do; server.ts prints it as one line and exits non-zero.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import pg from 'pg';
import { databaseKindOf, redactedUrl, sqlitePath } from './db/url.ts';

export class StartError extends Error {
  override name = 'StartError';
}

const CONNECT_TIMEOUT_MS = 5000;

/** Binds the port; what commonly goes wrong is explained in terms of PORT and HOST. */
export function bindPort(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      server.off('listening', bound);
      reject(new StartError(portProblem(error, port, host)));
    };
    const bound = () => {
      server.off('error', failed);
      resolve();
    };
    server.once('error', failed);
    server.once('listening', bound);
    server.listen({ port, host });
  });
}

function portProblem(error: NodeJS.ErrnoException, port: number, host: string): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `PORT ${port} on ${host} is already in use: stop what listens there or set PORT to a free port.`;
    case 'EACCES':
      return `PORT ${port} on ${host} needs privileges this process lacks: set PORT to 1024 or above.`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine: set HOST to one of its addresses (0.0.0.0 for all interfaces).`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} does not resolve: set HOST to an address of this machine (0.0.0.0 for all interfaces).`;
    default:
      return `Cannot listen on HOST ${host}, PORT ${port} (${error.code ?? error.message}): check both settings.`;
  }
}

/** Connects to the database once, without changing anything in it. */
export async function checkDatabase(databaseUrl: string): Promise<void> {
  if (databaseKindOf(databaseUrl) === 'sqlite') return checkSqlite(sqlitePath(databaseUrl));
  return checkPostgres(databaseUrl);
}

function checkSqlite(file: string): void {
  const where = resolve(file);
  try {
    mkdirSync(dirname(where), { recursive: true });
  } catch (error) {
    throw new StartError(
      `DATABASE_URL: cannot create the folder of the SQLite database ${where} (${codeOf(error)}): point DATABASE_URL at a file in a writable folder.`,
    );
  }
  // better-sqlite3 is compiled for one Node version (its ABI); loaded here so a mismatch is explained.
  let Database: typeof import('better-sqlite3');
  try {
    Database = createRequire(import.meta.url)('better-sqlite3');
    new Database(':memory:').close();
  } catch (error) {
    if (/NODE_MODULE_VERSION|ERR_DLOPEN_FAILED|invalid ELF|wrong ELF/.test(`${codeOf(error)} ${(error as Error).message}`)) {
      throw new StartError(
        `better-sqlite3 was built for another Node.js version than this one (${process.version}): run "npm rebuild better-sqlite3" with this Node.js.`,
      );
    }
    throw error;
  }
  try {
    const db = new Database(where);
    try {
      db.pragma('schema_version'); // reads the file's header: fails when it is not a database
      db.exec('BEGIN IMMEDIATE; ROLLBACK'); // takes the write lock: fails on a read-only file
    } finally {
      db.close();
    }
  } catch (error) {
    const code = codeOf(error);
    if (code === 'SQLITE_BUSY') return; // another process is writing: the file is fine, the server waits its turn
    const what = code === 'SQLITE_NOTADB' ? 'is not a SQLite database' : `cannot be opened for writing (${code})`;
    throw new StartError(`DATABASE_URL: the SQLite database ${where} ${what}: point DATABASE_URL at a writable database file, or at a new one.`);
  }
}

async function checkPostgres(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const where = redactedUrl(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {}); // a connection lost during the check is reported by connect/query
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new StartError(`DATABASE_URL: ${postgresProblem(error, url, where)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function postgresProblem(error: unknown, url: URL, where: string): string {
  const code = codeOf(error);
  const database = decodeURIComponent(url.pathname.slice(1)) || url.username || 'postgres';
  switch (code) {
    case 'ECONNREFUSED':
      return `PostgreSQL at ${where} refused the connection: check the host and port, and that PostgreSQL runs there.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host ${url.hostname} in ${where} does not resolve: check the host name.`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `PostgreSQL at ${where} cannot be reached (${code}): check the host, the port and the network in between.`;
    case '3D000':
      return `the database "${database}" does not exist on ${url.host}: create it (CREATE DATABASE "${database}") or fix the name.`;
    case '28P01':
    case '28000':
      return `PostgreSQL at ${where} refused the user or password: check the credentials in DATABASE_URL.`;
    default:
      if (/timeout/i.test((error as Error).message))
        return `PostgreSQL at ${where} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s: check the host, the port and the network in between.`;
      return `cannot use PostgreSQL at ${where} (${code}: ${(error as Error).message.split('\n')[0]}): check DATABASE_URL.`;
  }
}

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? (error as Error).name ?? 'unknown error';
}
