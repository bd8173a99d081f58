import type pg from 'pg';
import { type Channel, listenToChannel } from '../db/channel.ts';
import type { Account, Db } from '../db/client.ts';
import { poolOf } from '../db/client.ts';
import { sqliteDataVersion } from '../db/typedSql.ts';

/**
 * The channel the database itself notifies on whenever an API key or an account changes (a
 * trigger: prisma/migrations/postgres/20261125190000_credentials_changed).
 */
const CREDENTIALS_CHANGED = 'credentials_changed';
/** However quiet the channel, a verified key is read again after this long. */
const FRESH_MS = 60_000;
/** Keys remembered per process; past it the one verified longest ago goes first. */
const MAX_KEYS = 10_000;

export interface Caller {
  accountId: string;
  account: Account;
  keyId: string;
}

interface Verified {
  secretHash: Buffer;
  caller: Caller;
  until: number;
}

/**
 * Keys this process has verified against the database, so a request with a known key reads no
 * key. Only while changes are heard: on PostgreSQL every change to a key or an account (a
 * revocation by this process, the admin CLI or plain SQL) empties the cache in every process as
 * soon as it commits, and so does losing the channel's connection; on SQLite any commit by
 * another connection to the file does, noticed by the next request. A read that began before
 * such a change is not remembered (the generation moved on meanwhile).
 */
export class VerifiedKeys {
  private readonly byId = new Map<string, Verified>();
  private heard = false;
  /** Moves on at every change heard and every loss of the channel. */
  generation = 0;

  /** `changedElsewhere`: asked before every lookup; true empties the cache first. */
  constructor(private readonly changedElsewhere: () => boolean = () => false) {}

  find(keyId: string): Verified | undefined {
    if (this.changedElsewhere()) this.forgetAll();
    const known = this.byId.get(keyId);
    if (!known) return undefined;
    if (known.until > Date.now()) return known;
    this.byId.delete(keyId);
    return undefined;
  }

  /** `generation` is the one read before the key was: nothing is remembered across a change. */
  remember(keyId: string, secretHash: Buffer, caller: Caller, generation: number): void {
    if (!this.heard || generation !== this.generation) return;
    if (this.byId.size >= MAX_KEYS) this.byId.delete(this.byId.keys().next().value!);
    this.byId.set(keyId, { secretHash, caller, until: Date.now() + FRESH_MS });
  }

  forgetAll(): void {
    this.generation += 1;
    this.byId.clear();
  }

  /** Whether changes are heard: while not, nothing is remembered. */
  hearing(heard: boolean): void {
    this.heard = heard;
    this.forgetAll();
  }
}

const caches = new WeakMap<Db, { keys: VerifiedKeys; channel: Channel | null; users: number }>();

/** The cache of a database client, when one is kept (between keepVerifiedKeys and its release). */
export function verifiedKeysOf(db: Db): VerifiedKeys | undefined {
  return caches.get(db)?.keys;
}

export interface KeptKeys {
  /** Resolves once the first attempt to hear the channel has ended (heard, or failed and retrying). */
  heard(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Keeps verified keys for this client (an app does, for as long as it runs) until released: on
 * PostgreSQL it hears the credentials channel; on SQLite it looks at the file's data_version.
 */
export function keepVerifiedKeys(db: Db, onError: (error: unknown) => void): KeptKeys {
  let held = caches.get(db);
  if (!held) {
    const pool = poolOf(db);
    held = pool ? hearingPostgres(pool, onError) : watchingSqlite(db);
    caches.set(db, held);
  }
  held.users += 1;
  const kept = held;
  let released = false;
  return {
    heard: async () => kept.channel?.settled(),
    async release() {
      if (released) return;
      released = true;
      kept.users -= 1;
      if (kept.users > 0) return;
      if (caches.get(db) === kept) caches.delete(db);
      kept.channel?.stop();
      await kept.channel?.settled();
      kept.keys.hearing(false);
    },
  };
}

function hearingPostgres(pool: pg.Pool, onError: (error: unknown) => void) {
  const keys = new VerifiedKeys();
  const channel = listenToChannel(pool, CREDENTIALS_CHANGED, {
    message: () => keys.forgetAll(),
    live: (live) => keys.hearing(live),
    error: onError,
  });
  channel.start();
  return { keys, channel, users: 0 };
}

/** One process serves an SQLite file; what others commit to it (the admin CLI) moves its data_version. */
function watchingSqlite(db: Db) {
  let seen: ReturnType<typeof sqliteDataVersion>;
  const keys = new VerifiedKeys(() => {
    const now = sqliteDataVersion(db);
    const changed = !now || !seen || now.connection !== seen.connection || now.version !== seen.version;
    seen = now;
    return changed;
  });
  keys.hearing(true);
  return { keys, channel: null, users: 0 };
}
