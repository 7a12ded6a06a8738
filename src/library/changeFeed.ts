// The library's live change signal: Postgres tells every listener when a resource row is written,
// by anyone (migration 0005_change_notify: a trigger on resource notifies one channel). One feed
// per session; a burst of changes (an import) is told once per interval, the first at once.
import { randomBytes } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { Emitter, type Event } from '../common/events';
import { errorMessage } from '../common/redact';
import type { LibrarySession } from './library';

/** The channel the trigger notifies; its payload is `{ "user": <owner's id>, "public": <boolean>, "origin": <writer's application_name> }`. */
export const changeChannel = 'agent_resources_change';
/** The trigger on resource that notifies it. */
export const changeTrigger = 'resource_change_notify';

export interface ChangeFeedOptions {
  /** Whether other users' public rows count (a view that browses them); default true. */
  includePublic?: boolean;
  /** At most one event per this many milliseconds; the first change after a quiet spell is told at once. Default 1000. */
  intervalMs?: number;
  /**
   * How often the feed checks that its listening connection still hears (postgres.js listens again
   * after a lost connection, but gives up when the server stays away for some seconds). Default 30 s.
   */
  checkMs?: number;
  /** Skip changes written by connections that log in with this application_name (a window's own, already shown). */
  ignoreOrigin?: string;
  log?: (line: string) => void;
}

export interface ChangeFeed {
  /** The library this session sees has changed (its user's rows, or a public row), or may have (after a reconnect). */
  readonly onDidChange: Event<void>;
  dispose(): Promise<void>;
}

/**
 * Listens for changes that this session's user can see. Hook a view up with
 * `(await listenForChanges(session)).onDidChange(() => refresh())`.
 */
export async function listenForChanges(
  session: Pick<LibrarySession, 'client' | 'userId'>,
  options: ChangeFeedOptions = {},
): Promise<ChangeFeed> {
  if (session.client.pooled) {
    // A transaction pooler gives LISTEN no connection of its own: it would hear nothing, or another client's.
    options.log?.('Live refresh is off: the database is reached through a transaction pooler, where LISTEN hears nothing');
    const quiet = new Emitter<void>();
    return { onDidChange: quiet.event, dispose: async () => quiet.dispose() };
  }
  const feed = new ListeningFeed(session.client.sql, session.userId, options);
  await feed.subscribe();
  feed.scheduleCheck();
  return feed;
}

class ListeningFeed implements ChangeFeed {
  private readonly changes = new Emitter<void>();
  readonly onDidChange = this.changes.event;
  private readonly throttle: ReturnType<typeof throttled>;
  private readonly probe: Probe;
  private readonly includePublic: boolean;
  private readonly checkMs: number;
  private readonly ignoreOrigin: string | undefined;
  private readonly log: (line: string) => void;
  private listener: Sql | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lost = false;
  private disposed = false;

  constructor(
    private readonly pool: Sql,
    private readonly userId: string,
    { includePublic = true, intervalMs = 1000, checkMs = 30_000, ignoreOrigin, log = () => {} }: ChangeFeedOptions,
  ) {
    this.throttle = throttled(() => this.changes.fire(), intervalMs);
    this.probe = new Probe(pool);
    this.includePublic = includePublic;
    this.checkMs = checkMs;
    this.ignoreOrigin = ignoreOrigin;
    this.log = log;
  }

  /**
   * Listens on a client of its own, made anew when it stops hearing: postgres.js keeps the state of
   * a listen it gave up on. It takes the pool's parsed options back as they are, as its own listen() does.
   */
  async subscribe(): Promise<void> {
    const fresh = postgres({ ...this.pool.options, max: 1 } as unknown as postgres.Options<Record<string, postgres.PostgresType>>);
    let first = true;
    // onlisten runs again after postgres.js listened again on a new connection: changes may have been missed.
    const relistened = () => {
      if (!first) this.throttle.notify();
      first = false;
    };
    try {
      await fresh.listen(changeChannel, (payload) => this.told(payload), relistened);
      await fresh.listen(this.probe.channel, () => this.probe.heard());
    } catch (err) {
      await fresh.end({ timeout: 0 });
      throw err;
    }
    if (this.disposed) await fresh.end({ timeout: 0 });
    else this.listener = fresh;
  }

  /** One check at a time, the next one after the last has finished. */
  scheduleCheck(): void {
    this.watchdog = setTimeout(() => {
      this.check()
        .catch((err: unknown) => this.lose(errorMessage(err)))
        .finally(() => this.disposed || this.scheduleCheck());
    }, this.checkMs);
    this.watchdog.unref();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.watchdog);
    this.throttle.dispose();
    this.changes.dispose();
    await this.listener?.end({ timeout: 0 }).catch(() => {});
  }

  private told(payload: string): void {
    const change = parseChange(payload);
    if (change && this.ignoreOrigin !== undefined && change.origin === this.ignoreOrigin) return;
    if (!change || change.user === this.userId || (this.includePublic && change.public)) this.throttle.notify();
  }

  private async check(): Promise<void> {
    if (await this.probe.hears(Math.min(5000, this.checkMs))) return;
    this.lose('a notification did not come back');
    await this.listener?.end({ timeout: 0 }).catch(() => {});
    this.listener = undefined;
    await this.subscribe();
    this.lost = false;
    this.log('The change feed hears the database again');
    this.throttle.notify();
  }

  /** The log tells once when hearing stops, and once when it is back. */
  private lose(why: string): void {
    if (!this.lost) this.log(`The change feed stopped hearing the database (${why}): trying again every ${this.checkMs / 1000} s`);
    this.lost = true;
  }
}

/** A payload the trigger wrote; undefined for any other (then the change counts, to be safe). */
function parseChange(payload: string): { user: string; public: boolean; origin: string | undefined } | undefined {
  try {
    const value = JSON.parse(payload) as { user?: unknown; public?: unknown; origin?: unknown };
    const origin = typeof value.origin === 'string' ? value.origin : undefined;
    return typeof value.user === 'string' ? { user: value.user, public: value.public === true, origin } : undefined;
  } catch {
    return undefined;
  }
}

/** Sends a notification to a channel of this feed's own through the pool and waits to hear it back. */
class Probe {
  readonly channel = `agent_resources_probe_${randomBytes(8).toString('hex')}`;
  private waiting: (() => void) | undefined;

  constructor(private readonly sql: Sql) {}

  heard(): void {
    this.waiting?.();
  }

  /** False when the notification is not back in time, also when the pool is slow to send it (reconnecting); throws when sending fails. */
  async hears(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = new Promise<boolean>((resolve, reject) => {
      this.waiting = () => resolve(true);
      timer = setTimeout(() => resolve(false), timeoutMs);
      this.sql`select pg_notify(${this.channel}, '')`.catch(reject);
    });
    try {
      return await outcome;
    } finally {
      clearTimeout(timer);
      this.waiting = undefined;
    }
  }
}

/** Calls `fire` at once for the first notify, then at most once per interval while notifies keep coming. */
export function throttled(fire: () => void, intervalMs: number): { notify(): void; dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  const rest = () => {
    timer = setTimeout(() => {
      timer = undefined;
      if (!pending) return;
      pending = false;
      fire();
      rest();
    }, intervalMs);
  };
  return {
    notify() {
      if (timer) {
        pending = true;
        return;
      }
      fire();
      rest();
    },
    dispose() {
      clearTimeout(timer);
      timer = undefined;
      pending = false;
    },
  };
}

/** Whether the database tells of changes (its resource table has the trigger of migration 0005_change_notify). */
export async function changesAreNotified(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ present: boolean }[]>`
    select exists (select 1 from pg_trigger where tgname = ${changeTrigger} and tgrelid = to_regclass('resource')) as present`;
  return row?.present === true;
}
