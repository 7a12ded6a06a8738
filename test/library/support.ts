import { Library, sessionRunner, type LibraryChange, type LibrarySession } from '../../src/library/library';
import { ensureUser } from '../../src/db/users';
import { sharedDatabase } from '../db/support/database';
import { uniqueName } from '../support/embedded-postgres';

/** A session of a brand-new user on the suite's migrated database (real Postgres). */
export async function librarySession(label = 'user'): Promise<LibrarySession> {
  const { client } = await sharedDatabase();
  const user = await ensureUser(client.db, `${uniqueName(label)}@example.com`);
  return { db: client.db, client, userId: user.id, email: user.email, mode: 'local', label: 'test', isolation: 'single' };
}

/** A Library of a brand-new user, as plain Node (an MCP server, a script) would make it. */
export async function newLibrary(label = 'user'): Promise<{ library: Library; session: LibrarySession }> {
  const session = await librarySession(label);
  return { library: new Library(sessionRunner(session)), session };
}

/** Every change event the library tells, in order. */
export function recordChanges(library: Library): LibraryChange[] {
  const seen: LibraryChange[] = [];
  library.onDidChange((change) => seen.push(change));
  return seen;
}

/** A promise the test settles: `open()` lets the held call go on, `fail(err)` makes it reject. */
export class Gate {
  readonly promise: Promise<void>;
  /** Resolves when the held call has reached the gate. */
  readonly arrived: Promise<void>;
  open!: () => void;
  fail!: (err: Error) => void;
  arrive!: () => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.open = resolve;
      this.fail = reject;
    });
    this.arrived = new Promise<void>((resolve) => (this.arrive = resolve));
  }
}

type ListArgs = Parameters<Library['list']>;

/**
 * The real library with a hold on the timing only: `hold()` makes the next list() call wait at a
 * gate before it asks the real library (so the data still comes from Postgres). Records every call.
 */
export function gated(library: Library) {
  const held: Gate[] = [];
  const calls: { scope: ListArgs[0]; options: ListArgs[1] }[] = [];
  const source: Pick<Library, 'list' | 'onDidChange' | 'tags'> = {
    onDidChange: library.onDidChange,
    tags: (options) => library.tags(options),
    async list(scope, options, cancellation) {
      calls.push({ scope, options });
      const gate = held.shift();
      if (gate) {
        gate.arrive();
        await gate.promise;
      }
      return library.list(scope, options, cancellation);
    },
  };
  return {
    source,
    calls,
    hold(): Gate {
      const gate = new Gate();
      held.push(gate);
      return gate;
    },
  };
}

/** Lets pending promise callbacks (a catch handler, a finally) run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
