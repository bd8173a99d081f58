import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config.ts';
import { onPostgres, POSTGRES_SERVER_URL } from '../support/database.ts';
import { spawnServer } from '../support/processes.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'payments-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts the server with one setting changed and returns how it failed. */
async function failedStart(env: Record<string, string>) {
  const child = spawnServer({ DATABASE_URL: `file:${path.join(scratch, 'ok.db')}`, ...env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  return { code, stdout, lines: stderr.trim().split('\n') };
}

/** One line naming the setting, no stack trace, a non-zero exit. */
function expectOneLine(result: Awaited<ReturnType<typeof failedStart>>, ...phrases: string[]) {
  expect(result.code).toBe(1);
  expect(result.lines).toHaveLength(1);
  for (const phrase of phrases) expect(result.lines[0]).toContain(phrase);
  expect(result.lines[0]).not.toMatch(/\bat .+:\d+:\d+/);
  expect(result.stdout).not.toContain('listening');
}

describe('configuration read at start', () => {
  it('has the documented defaults', () => {
    expect(readConfig({})).toEqual({
      databaseUrl: 'file:./data/payments.db',
      port: 4000,
      host: '127.0.0.1',
      logLevel: 'info',
      corsOrigins: [],
      demo: true,
      dbPoolSize: 10,
      bodyLimit: 1_048_576,
      timeouts: { requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5_000, connectionMs: 60_000 },
      rateLimitPerMinute: 0,
      metrics: true,
      tracing: null,
      shutdownTimeoutMs: 10_000,
      trustedDocuments: null,
      importLeaseMs: 30_000,
    });
  });

  it('reads every variable of the table', () => {
    const config = readConfig({
      DATABASE_URL: 'postgresql://app:secret@db.internal:5432/payments',
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'warn',
      CORS_ORIGINS: 'https://app.example, https://admin.example:8443',
      DEMO: 'on',
      DB_POOL_SIZE: '25',
      BODY_LIMIT_BYTES: '65536',
      REQUEST_TIMEOUT_MS: '20000',
      HEADERS_TIMEOUT_MS: '5000',
      KEEP_ALIVE_TIMEOUT_MS: '61000',
      CONNECTION_TIMEOUT_MS: '0',
      RATE_LIMIT_PER_MINUTE: '600',
      METRICS: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'payments-eu',
      SHUTDOWN_TIMEOUT_MS: '25000',
      IMPORT_LEASE_MS: '5000',
    });
    expect(config).toEqual({
      databaseUrl: 'postgresql://app:secret@db.internal:5432/payments',
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'warn',
      corsOrigins: ['https://app.example', 'https://admin.example:8443'],
      demo: true,
      dbPoolSize: 25,
      bodyLimit: 65_536,
      timeouts: { requestMs: 20_000, headersMs: 5_000, keepAliveMs: 61_000, connectionMs: 0 },
      rateLimitPerMinute: 600,
      metrics: false,
      tracing: { endpoint: 'http://collector:4318', serviceName: 'payments-eu' },
      shutdownTimeoutMs: 25_000,
      trustedDocuments: null,
      importLeaseMs: 5_000,
    });
    expect(readConfig({ DATABASE_URL: 'postgresql://db/payments' }).demo).toBe(false);
    expect(readConfig({ LOG_LEVEL: '', PORT: '' })).toMatchObject({ logLevel: 'info', port: 4000 });
  });

  it.each([
    ['LOG_LEVEL', 'loud'],
    ['DB_POOL_SIZE', 'abc'],
    ['DB_POOL_SIZE', '0'],
    ['PORT', '70000'],
    ['DEMO', 'maybe'],
    ['CORS_ORIGINS', 'https://app.example/'],
    ['BODY_LIMIT_BYTES', '1mb'],
    ['REQUEST_TIMEOUT_MS', '-1'],
    ['KEEP_ALIVE_TIMEOUT_MS', '5s'],
    ['CONNECTION_TIMEOUT_MS', '1.5'],
    ['RATE_LIMIT_PER_MINUTE', 'lots'],
    ['METRICS', 'sometimes'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['SHUTDOWN_TIMEOUT_MS', '0'],
    ['IMPORT_LEASE_MS', '999'],
    ['DATABASE_URL', 'mysql://root:hunter2@db/payments'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    let error: unknown;
    try {
      readConfig({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(1);
    expect((error as ConfigError).problems[0]).toMatch(new RegExp(`^${name}\\b.*(set it to|unset)`));
    expect((error as ConfigError).problems[0]).not.toContain('hunter2');
  });

  it('refuses a headers timeout longer than the request timeout (Node would throw at listen)', () => {
    expect(() => readConfig({ HEADERS_TIMEOUT_MS: '40000' })).toThrow(/HEADERS_TIMEOUT_MS \(40000\) must not exceed REQUEST_TIMEOUT_MS \(30000\)/);
  });

  it('reports every bad setting at once', () => {
    expect(() => readConfig({ LOG_LEVEL: 'loud', DB_POOL_SIZE: 'abc' })).toThrow(/LOG_LEVEL.*\n.*DB_POOL_SIZE/);
  });
});

describe('a start with a bad setting prints one line naming it and exits 1', () => {
  it('LOG_LEVEL', async () => {
    expectOneLine(await failedStart({ LOG_LEVEL: 'loud' }), 'LOG_LEVEL="loud"', 'one of fatal, error, warn, info, debug, trace, silent');
  });

  it('DB_POOL_SIZE', async () => {
    expectOneLine(await failedStart({ DB_POOL_SIZE: 'abc' }), 'DB_POOL_SIZE="abc"', 'a whole number');
  });

  it('DATABASE_URL refused: nothing listens on the port', async () => {
    expectOneLine(
      await failedStart({ DATABASE_URL: 'postgresql://postgres:pw@127.0.0.1:1/payments' }),
      'DATABASE_URL',
      'refused the connection',
      'check the host and port',
    );
  });

  it('DATABASE_URL unreachable: the host does not resolve', async () => {
    const result = await failedStart({ DATABASE_URL: 'postgresql://postgres:pw@no-such-host.invalid/payments' });
    expectOneLine(result, 'DATABASE_URL', 'no-such-host.invalid');
    expect(result.lines[0]).not.toContain(':pw@');
  });

  it.runIf(onPostgres)('DATABASE_URL names a database PostgreSQL does not have', async () => {
    const url = new URL(POSTGRES_SERVER_URL);
    url.pathname = '/payments_no_such_database';
    expectOneLine(await failedStart({ DATABASE_URL: url.toString() }), 'DATABASE_URL', '"payments_no_such_database" does not exist', 'CREATE DATABASE');
  });

  it('DATABASE_URL: a SQLite path that cannot be written', async () => {
    const notAFolder = path.join(scratch, 'a-file');
    writeFileSync(notAFolder, 'not a folder');
    expectOneLine(await failedStart({ DATABASE_URL: `file:${path.join(notAFolder, 'payments.db')}` }), 'DATABASE_URL', 'writable folder');
  });

  it('DATABASE_URL: a file that is not a SQLite database (and it is left as it was)', async () => {
    const junk = path.join(scratch, 'junk.db');
    writeFileSync(junk, 'x'.repeat(4096));
    expectOneLine(await failedStart({ DATABASE_URL: `file:${junk}` }), 'DATABASE_URL', 'is not a SQLite database');
  });

  it('PORT taken: fails before it creates or changes any data', async () => {
    const squatter = createServer().listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const port = (squatter.address() as { port: number }).port;
    try {
      const fresh = path.join(scratch, 'never-created.db');
      expectOneLine(await failedStart({ PORT: String(port), DATABASE_URL: `file:${fresh}` }), `PORT ${port}`, 'already in use', 'set PORT to a free port');
      expect(existsSync(fresh)).toBe(false);
    } finally {
      squatter.close();
    }
  });
});
