/**
 * Live updates inside one process: who listens for which account's events. Listeners are kept
 * per account, so an event is only ever handed to listeners of its own account (filtered at the
 * source, before any subscription sees it).
 */

/** A payment was stored (committed). Ids only: each subscriber reads what it shows through the account-scoped read path. */
export interface PaymentRegisteredEvent {
  accountId: string;
  paymentId: string;
  caseId: string;
  creditorId: string;
}

export interface PaymentListener {
  next(event: PaymentRegisteredEvent): void;
  /** The bus is closing (the server shuts down): no more events will come. */
  end(): void;
}

export interface EventBus {
  /** Hands the event to every listener of its account, in this process and (on Postgres) in every other. */
  publish(event: PaymentRegisteredEvent): void;
  /** publish for many events at once (a bulk, a file import's batch): on Postgres one statement for them all. */
  publishAll(events: readonly PaymentRegisteredEvent[]): void;
  /** Listens to one account's events until the returned function is called. */
  subscribe(accountId: string, listener: PaymentListener): () => void;
  /** Resolves once events published from now on reach this process's listeners (Postgres: LISTEN is in place). */
  listening(): Promise<void>;
  /** Listeners now attached, all accounts together (tests check it returns to its baseline). */
  listenerCount(): number;
  /** Ends every listener's feed and releases what the bus holds (a Postgres connection). */
  close(): Promise<void>;
}

/** The listeners of one process, per account; the transport (in-process or Postgres) delivers into it. */
export class Listeners {
  private readonly byAccount = new Map<string, Set<PaymentListener>>();
  private count = 0;

  add(accountId: string, listener: PaymentListener): () => void {
    let set = this.byAccount.get(accountId);
    if (!set) {
      set = new Set();
      this.byAccount.set(accountId, set);
    }
    set.add(listener);
    this.count += 1;
    return () => {
      // Already detached (twice, or by endAll): nothing to undo.
      if (!set.delete(listener)) return;
      this.count -= 1;
      if (set.size === 0 && this.byAccount.get(accountId) === set) this.byAccount.delete(accountId);
    };
  }

  deliver(event: PaymentRegisteredEvent): void {
    const set = this.byAccount.get(event.accountId);
    if (!set) return;
    // A copy: a listener may detach itself (or another) while being told.
    for (const listener of [...set]) listener.next(event);
  }

  get size(): number {
    return this.count;
  }

  /** Tells every listener the bus is ending, and detaches them all. */
  endAll(): void {
    const sets = [...this.byAccount.values()];
    const all = sets.flatMap((set) => [...set]);
    for (const set of sets) set.clear();
    this.byAccount.clear();
    this.count = 0;
    for (const listener of all) listener.end();
  }
}

/** SQLite (one process writes and serves): delivered synchronously after the commit. */
export function createLocalBus(): EventBus {
  const listeners = new Listeners();
  return {
    publish: (event) => listeners.deliver(event),
    publishAll: (events) => {
      for (const event of events) listeners.deliver(event);
    },
    subscribe: (accountId, listener) => listeners.add(accountId, listener),
    listenerCount: () => listeners.size,
    listening: async () => {},
    async close() {
      listeners.endAll();
    },
  };
}
