// The library's live change signal: Postgres tells every listener when a resource row is written,
// by anyone (migration 0005_change_notify: a trigger on resource notifies one channel). One feed
// per session; a burst of changes (an import) is told once per interval, the first at once.
import { randomBytes } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { Emitter, type Event } from '../common/events';
import { errorMessage } from '../common/redact';
import type { LibrarySession } from './library';

/** The channel the trigger notifies; its payload is `{ "user": <owner's id>, "public": <boolean> }`. */
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
export async function listenForChanges(session: Pick<LibrarySession, 'client' | 'userId'>, options: ChangeFeedOptions = {}): Promise<ChangeFeed> {
  const { includePublic = true, intervalMs = 1000, checkMs = 30_000, log = () => {} } = options;
  const pool = session.client.sql;
  const changes = new Emitter<void>();
  const throttle = throttled(() => changes.fire(), intervalMs);
  const probe = new Probe(pool);
  let listener: Sql | undefined;
  let disposed = false;

  const told = (payload: string) => {
    const change = parseChange(payload);
    if (!change || change.user === session.userId || (includePublic && change.public)) throttle.notify();
  };
  // A client of its own, made anew when it stops hearing: postgres.js keeps the state of a listen it
  // gave up on. It takes the pool's parsed options back as they are, as its own listen() does.
  const subscribe = async () => {
    const fresh = postgres({ ...pool.options, max: 1 } as unknown as postgres.Options<Record<string, postgres.PostgresType>>);
    let first = true;
    // onlisten runs again after postgres.js listened again on a new connection: changes may have been missed.
    const relistened = () => {
      if (!first) throttle.notify();
      first = false;
    };
    try {
      await fresh.listen(changeChannel, told, relistened);
      await fresh.listen(probe.channel, () => probe.heard());
    } catch (err) {
      await fresh.end({ timeout: 0 });
      throw err;
    }
    if (disposed) await fresh.end({ timeout: 0 });
    else listener = fresh;
  };
  await subscribe();

  const watchdog = setInterval(() => {
    void (async () => {
      if (disposed || (await probe.hears())) return;
      log('The change feed stopped hearing the database: listening again');
      await listener?.end({ timeout: 0 }).catch(() => {});
      listener = undefined;
      await subscribe();
      throttle.notify();
    })().catch((err: unknown) => log(`The change feed could not listen again (${errorMessage(err)}); retrying in ${checkMs / 1000} s`));
  }, checkMs);
  watchdog.unref();

  return {
    onDidChange: changes.event,
    async dispose() {
      disposed = true;
      clearInterval(watchdog);
      throttle.dispose();
      changes.dispose();
      await listener?.end({ timeout: 0 }).catch(() => {});
    },
  };
}

/** A payload the trigger wrote; undefined for any other (then the change counts, to be safe). */
function parseChange(payload: string): { user: string; public: boolean } | undefined {
  try {
    const value = JSON.parse(payload) as { user?: unknown; public?: unknown };
    return typeof value.user === 'string' ? { user: value.user, public: value.public === true } : undefined;
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

  async hears(timeoutMs = 5000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<boolean>((resolve) => {
      this.waiting = () => resolve(true);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      await this.sql`select pg_notify(${this.channel}, '')`;
      return await heard;
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
