/**
 * The server of the naive baseline (bench/run.ts starts it like src/server.ts): the same app and
 * settings, with the naive loaders injected. Prints "listening on <url>"; stops on SIGTERM.
 */
import { createApp } from '../src/app.ts';
import { readConfig } from '../src/config.ts';
import { connectDb } from '../src/db/client.ts';
import { naiveLoaders } from './naive.ts';

const config = readConfig();
const db = await connectDb(config.databaseUrl, { poolSize: config.dbPoolSize });
const app = await createApp({ db, logLevel: config.logLevel, timeouts: config.timeouts, metrics: config.metrics, createLoaders: naiveLoaders });
const address = await app.listen({ port: config.port, host: config.host });
console.log(`naive GraphQL server listening on ${address}`);
process.on('SIGTERM', () => void app.close().then(() => db.$disconnect()));
