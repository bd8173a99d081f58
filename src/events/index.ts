import { type Db, poolOf } from '../db/client.ts';
import { createLocalBus, type EventBus } from './bus.ts';
import { createPostgresBus } from './postgres.ts';

export type { EventBus, PaymentListener, PaymentRegisteredEvent } from './bus.ts';

const buses = new WeakMap<Db, EventBus>();

/**
 * The event bus of a database client, made on first use: on Postgres across processes
 * (LISTEN/NOTIFY), on SQLite within the one process that serves the file.
 */
export function eventBusOf(db: Db): EventBus {
  let bus = buses.get(db);
  if (!bus) {
    const pool = poolOf(db);
    bus = pool ? createPostgresBus(pool, (error) => console.error('live updates:', error)) : createLocalBus();
    buses.set(db, bus);
  }
  return bus;
}

/** Ends every live subscription of this client and releases the bus (shutdown, tests). */
export async function closeEventBus(db: Db): Promise<void> {
  const bus = buses.get(db);
  buses.delete(db);
  await bus?.close();
}
