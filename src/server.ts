import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApp, endLiveUpdates, handlersOf } from './app.ts';
import { ConfigError, readConfig, type ServiceConfig } from './config.ts';
import { connectDb, type Db } from './db/client.ts';
import { deployMigrations } from './db/migrate.ts';
import { type DemoKey, ensureDemo, retireDemoKey } from './demo.ts';
import { type ImportWorker, startImportWorker } from './domain/imports/worker.ts';
import type { RunningHandlers } from './http/handlers.ts';
import { timeoutOptions } from './http/transport.ts';
import { bindPort, checkDatabase, StartError } from './preflight.ts';

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

interface Running {
  app: FastifyInstance;
  db: Db;
  demo: DemoKey | null;
  imports: ImportWorker;
}

const config = readConfigOrExit();
// The deadlines' own options: Node checks them on an interval fixed when the server is created.
const server = createServer(timeoutOptions(config.timeouts).http);
let shuttingDown = false;
// Answers while migrations and the demo seed run: alive, not ready.
server.on('request', startingUp);
const started = start().catch(failedToStart);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutDown(signal));

/**
 * The port is bound first: a start that cannot listen (the port is taken, say by a server already
 * running on this database) stops before it has read or written any data.
 */
async function start(): Promise<Running> {
  await bindPort(server, config.port, config.host);
  await checkDatabase(config.databaseUrl);
  await deployMigrations(config.databaseUrl);
  const db = await connectDb(config.databaseUrl, { poolSize: config.dbPoolSize });
  const demo = config.demo ? await ensureDemo(db) : null;
  const adopted = adopt(server);
  const app = await createApp({
    db,
    logLevel: config.logLevel,
    corsOrigins: config.corsOrigins,
    bodyLimit: config.bodyLimit,
    graphiqlApiKey: demo?.apiKey,
    timeouts: config.timeouts,
    rateLimitPerMinute: config.rateLimitPerMinute,
    metrics: config.metrics,
    tracing: config.tracing ? { otlpEndpoint: config.tracing.endpoint, serviceName: config.tracing.serviceName } : undefined,
    trustedDocuments: config.trustedDocuments ?? undefined,
    shuttingDown: () => shuttingDown,
    serverFactory: adopted.factory,
  });
  await app.ready();
  adopted.takeOver();
  trackInFlight(server);
  handlersRunning = handlersOf(app);
  // File imports run in the background of every server process (leases share them out).
  const imports = startImportWorker(db, { leaseMs: config.importLeaseMs, log: app.log });
  announce(demo);
  return { app, db, demo, imports };
}

function readConfigOrExit(): ServiceConfig {
  try {
    return readConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`Configuration error: ${problem}`);
    process.exit(1);
  }
}

/** A start that fails for a reason the operator can fix prints one line; anything else is a bug and keeps its stack. */
function failedToStart(error: unknown): never {
  console.error(error instanceof StartError ? `Cannot start: ${error.message}` : error);
  process.exit(1);
}

function startingUp(request: IncomingMessage, response: ServerResponse) {
  const alive = request.url === '/health';
  response.writeHead(alive ? 200 : 503, { 'content-type': 'application/json', ...(alive ? {} : { 'retry-after': '1' }) });
  response.end(JSON.stringify({ status: alive ? 'ok' : 'starting' }));
}

/**
 * Hands the bound server to Fastify (`factory` is its serverFactory); `takeOver` puts Fastify's
 * handler in the place of startingUp once the app is ready. Fastify sets its timeout options only
 * on a server it creates itself, so they are copied here and behave the same either way.
 */
function adopt(bound: Server) {
  let handler: Listener | undefined;
  return {
    factory(
      fastifyHandler: Listener,
      options: { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number; http?: { headersTimeout?: number } },
    ) {
      handler = fastifyHandler;
      if (options.keepAliveTimeout !== undefined) bound.keepAliveTimeout = options.keepAliveTimeout;
      if (options.requestTimeout !== undefined) bound.requestTimeout = options.requestTimeout;
      if (options.http?.headersTimeout !== undefined) bound.headersTimeout = options.http.headersTimeout;
      bound.setTimeout(options.connectionTimeout ?? 0);
      return bound;
    },
    takeOver() {
      bound.off('request', startingUp);
      bound.on('request', handler!);
    },
  };
}

function announce(demo: DemoKey | null) {
  const { address, port, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  const listening = `http://${host}:${port}`;
  const base = listening.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  // One write, so a process reading this output sees the whole block at once.
  console.log(
    [
      `Creditor payments is listening on ${listening}`,
      `  GraphiQL:  ${base}/graphql`,
      `  REST:      ${base}/creditor--payments`,
      `  Health:    ${base}/health (alive), ${base}/ready (can serve)`,
      ...(demo ? [`  Demo API key (x-api-key): ${demo.apiKey}`] : []),
    ].join('\n'),
  );
}

// Requests in flight when a signal arrives are answered with `Connection: close`: server.close()
// closes only the connections idle at that moment, so a keep-alive client would otherwise hold
// the drained process open for the whole keep-alive timeout, past most orchestrators' grace period.
const inFlight = new Set<ServerResponse>();
let handlersRunning: RunningHandlers | null = null;
function trackInFlight(bound: Server) {
  bound.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });
}

/**
 * SIGTERM and SIGINT: /ready turns 503, the listener stops taking connections, requests in flight
 * finish, then the database is closed and the process exits 0. Whatever is still running at
 * SHUTDOWN_TIMEOUT_MS is cut off and the process exits 1.
 */
async function shutDown(signal: NodeJS.Signals) {
  if (shuttingDown) return;
  shuttingDown = true;
  setTimeout(() => {
    const handlers = handlersRunning ? `, ${handlersRunning.count} handler(s) running` : '';
    console.error(`Shutdown deadline (SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}) passed with ${inFlight.size} request(s) in flight${handlers}: exiting.`);
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  const { app, db, demo, imports } = await started; // a signal during start waits for it, within the deadline
  app.log.info({ signal }, 'shutting down: draining requests in flight');
  for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
  try {
    await endLiveUpdates(app);
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await app.close();
    // A request whose client has gone is closed, but its handler may still be using the database.
    await handlersOf(app).settled();
    // The batch in progress commits or rolls back whole; the report's lease lets another process go on.
    await imports.stop();
    if (demo) await retireDemoKey(db, demo);
    await db.$disconnect();
    process.exit(0);
  } catch (error) {
    app.log.error(error, 'shutdown failed');
    process.exit(1);
  }
}
