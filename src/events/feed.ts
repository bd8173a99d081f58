import type { EventBus, PaymentRegisteredEvent } from './bus.ts';

/** What a feed yields last when its subscriber fell behind: nothing queued is kept, the subscription ends. */
export const FELL_BEHIND = Symbol('fell behind');

export interface FeedOptions {
  /** Whether this subscriber wants the event (filters by creditor, case). */
  accepts: (event: PaymentRegisteredEvent) => boolean;
  /** Events held for a subscriber that has not taken them yet. */
  capacity: number;
  /** Called once when the feed ends, however it ends. */
  onEnd?: () => void;
}

/**
 * One subscriber's events of one account, as an async iterator with a bounded queue. A subscriber
 * that lets `capacity` events pile up (a client reading slower than payments arrive) has its queue
 * dropped and gets FELL_BEHIND, then the end: its memory stays bounded and it knows to re-read.
 * Ending the iterator (the client left) detaches it from the bus at once.
 */
export function paymentFeed(bus: EventBus, accountId: string, options: FeedOptions): AsyncIterableIterator<PaymentRegisteredEvent | typeof FELL_BEHIND> {
  type Item = PaymentRegisteredEvent | typeof FELL_BEHIND;
  let queue: Item[] = [];
  let waiting: ((result: IteratorResult<Item>) => void) | null = null;
  let ended = false;

  const finish = () => {
    if (ended) return;
    ended = true;
    detach();
    options.onEnd?.();
  };
  const hand = (item: Item) => {
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ value: item, done: false });
    } else {
      queue.push(item);
    }
  };
  const detach = bus.subscribe(accountId, {
    next(event) {
      if (ended || !options.accepts(event)) return;
      if (queue.length >= options.capacity) {
        queue = [];
        hand(FELL_BEHIND);
        finish();
        return;
      }
      hand(event);
    },
    end() {
      finish();
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve({ value: undefined, done: true });
      }
    },
  });

  const done = (): IteratorResult<Item> => {
    finish();
    queue = [];
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ value: undefined, done: true });
    }
    return { value: undefined, done: true };
  };
  return {
    next() {
      const item = queue.shift();
      if (item !== undefined) return Promise.resolve({ value: item, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return: async () => done(),
    throw: async () => done(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
