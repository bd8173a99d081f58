import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApp } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db/client.ts';
import { deployMigrations } from './db/migrate.ts';
import { ensureDemo } from './demo.ts';

const config = readConfig();
await deployMigrations(config.databaseUrl);
const db = await connectDb(config.databaseUrl, { poolSize: config.dbPoolSize });
const demo = config.demo ? await ensureDemo(db) : null;
const app = await createApp({
  db,
  logLevel: config.logLevel,
  corsOrigins: config.corsOrigins,
  graphiqlApiKey: demo?.apiKey,
  batchLoads: config.graphqlBatch,
});

const address = await app.listen({ port: config.port, host: config.host });
const base = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
// One write, so a process reading this output sees the whole block at once.
console.log(
  [
    `Creditor payments is listening on ${address}`,
    `  GraphiQL:  ${base}/graphql`,
    `  REST:      ${base}/creditor--payments`,
    ...(demo ? [`  Demo API key (x-api-key): ${demo.apiKey}`] : []),
  ].join('\n'),
);

// SIGTERM and SIGINT stop taking connections, let requests in flight finish, then close the database.
// Requests in flight are answered with `Connection: close`: server.close() closes only the
// connections idle at that moment, so a keep-alive client would otherwise hold the drained
// process open for the whole keep-alive timeout (72 s), past most orchestrators' grace period.
const inFlight = new Set<ServerResponse>();
app.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
  inFlight.add(response);
  response.once('close', () => inFlight.delete(response));
});
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining requests in flight');
    for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
    try {
      await app.close();
      await db.$disconnect();
      process.exit(0);
    } catch (error) {
      app.log.error(error, 'shutdown failed');
      process.exit(1);
    }
  });
}
