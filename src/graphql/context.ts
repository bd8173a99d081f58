import type { Db } from '../db/client.ts';
import type { RegistrationObserver } from '../observability/index.ts';
import type { Loaders } from './loaders.ts';

export interface GraphQLContext {
  db: Db;
  /** The account of the request's API key: every read and write is scoped to it. */
  accountId: string;
  loaders: Loaders;
  /** The Idempotency-Key header, for registerPayment. */
  idempotencyKey: string | null;
  /** Told the result of every registerPayment (metrics count them). */
  onRegistered?: RegistrationObserver;
}
