import { randomBytes } from 'node:crypto';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Options, type Sql } from 'postgres';
import * as schema from './schema';

export type Database = PostgresJsDatabase<typeof schema>;

export interface DatabaseClient {
  db: Database;
  sql: Sql;
  /**
   * Reached through a transaction pooler (PgBouncer): no statement is prepared (a named statement
   * lives on one server connection, and the next transaction may get another), and LISTEN hears nothing.
   */
  pooled: boolean;
  /**
   * The application_name its connections log in with, its own unless the options name one: the
   * change notification names it (migration 0013), so a window knows the echo of its own writes.
   */
  applicationName: string;
  /** Ends the pool; statements still running after the timeout are terminated (0: at once). */
  close(timeoutSeconds?: number): Promise<void>;
}

export type ConnectionOptions = Options<Record<string, postgres.PostgresType>>;

/**
 * One pool per connection target. Sessions run in UTC so that `timestamp` columns
 * (without time zone) mean the same instant to every client. An idle connection is closed after
 * 30 s, so an idle window holds none (also through a pooler: the pooler's client slot is freed).
 */
export function createDatabaseClient(url: string | undefined, options: ConnectionOptions = {}, { pooled = false } = {}): DatabaseClient {
  const settings: ConnectionOptions = {
    max: 4,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    // postgres.js 3.4.9 fetches array types on every new connection and drops that query's promise:
    // a connection lost while it runs (a restarted server, a cut network) is an unhandled rejection
    // nobody can catch (porsager/postgres#1192, #1223). No statement here needs them.
    fetch_types: false,
    ...options,
    ...(pooled ? { prepare: false } : {}),
    connection: { TimeZone: 'UTC', application_name: `agent-resources ${randomBytes(4).toString('hex')}`, ...options.connection },
  };
  const sql = url ? postgres(url, settings) : postgres(settings);
  return {
    db: drizzle(sql, { schema }),
    sql,
    pooled,
    applicationName: String(settings.connection!.application_name),
    close: (timeoutSeconds = 5) => sql.end({ timeout: timeoutSeconds }),
  };
}

/**
 * Whether something between us and Postgres answers for it: the process id a connection was
 * given at login (BackendKeyData) is not the server process that runs its statements. PgBouncer
 * (and other poolers) hand out keys of their own. Sent in the simple protocol: nothing is prepared.
 */
export async function reachedThroughPooler(sql: Sql): Promise<boolean> {
  const result = await sql.unsafe<{ pid: number }[]>('select pg_backend_pid() as pid');
  return result.state.pid !== result[0]?.pid;
}

export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

// Driver error codes meaning the transaction's connection is gone (the server rolls back by itself).
const connectionGoneCodes = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

function connectionGone(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if (connectionGoneCodes.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

/**
 * db.transaction, except when the connection is lost in the middle: then no ROLLBACK is sent
 * down the dead connection. postgres.js 3.4.9 would write it to a socket it has already
 * dropped, from a setImmediate, and throw an uncatchable TypeError (porsager/postgres#1208).
 * The server rolls the transaction back on its own, and the transaction still rejects, with
 * the driver's CONNECTION_CLOSED error (postgres.js rejects begin() when the connection closes).
 */
export function runTransaction<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    try {
      return await work(tx);
    } catch (err) {
      if (connectionGone(err)) return new Promise<T>(() => {});
      throw err;
    }
  });
}
