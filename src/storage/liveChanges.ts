import { Disposable } from '../common/disposable';
import { errorMessage } from '../common/redact';
import type { Event } from '../common/events';
import type { Log } from '../common/log';
import { listenForChanges, type ChangeFeed } from '../library/changeFeed';
import type { Library } from '../library/library';
import type { Session, StorageState } from './storageService';

// A change this window made is refreshed by its own write; the database's echo of it, arriving
// within this time, is held back (and, if anything was held back, one refresh follows after it).
const echoMs = 1500;

/**
 * Refreshes the views when the database says the library changed: a save in another window, an
 * agent through the MCP server, a row the chat app wrote. Listens only while the view is visible
 * (a listening connection is held meanwhile; none in a window nobody looks at).
 */
export class LiveChanges extends Disposable {
  private feed: { session: Session; ready: Promise<ChangeFeed | undefined> } | undefined;
  private session: Session | undefined;
  private visible = false;
  private lastOwnChange = 0;
  private heldBack: NodeJS.Timeout | undefined;

  constructor(
    storage: { readonly state: StorageState; readonly onDidChangeState: Event<StorageState> },
    view: { readonly visible: boolean; readonly onDidChangeVisibility: Event<{ readonly visible: boolean }> },
    library: Pick<Library, 'onDidChange'>,
    private readonly refresh: () => void,
    private readonly log: Log,
  ) {
    super();
    const sessionOf = (state: StorageState) => (state.kind === 'ready' ? state.session : undefined);
    this.register(storage.onDidChangeState((state) => this.follow(sessionOf(state), this.visible)));
    this.register(view.onDidChangeVisibility(({ visible }) => this.follow(this.session, visible)));
    this.register(library.onDidChange(() => (this.lastOwnChange = Date.now())));
    this.register({ dispose: () => this.follow(undefined, false) });
    this.follow(sessionOf(storage.state), view.visible);
  }

  private follow(session: Session | undefined, visible: boolean): void {
    this.session = session;
    this.visible = visible;
    const wanted = visible && !this.isDisposed ? session : undefined;
    if (this.feed?.session === wanted) return;
    const old = this.feed;
    this.feed = undefined;
    old?.ready.then((feed) => feed?.dispose()).catch(() => undefined);
    if (!wanted) return;
    const ready = listenForChanges(wanted, { log: (line) => this.log.info(line) }).then(
      (feed) => {
        feed.onDidChange(() => this.changed());
        return feed;
      },
      (err: unknown) => {
        this.log.warn(`Live refresh is off for this window: ${errorMessage(err)}`);
        return undefined;
      },
    );
    this.feed = { session: wanted, ready };
  }

  private changed(): void {
    const sinceOwn = Date.now() - this.lastOwnChange;
    if (sinceOwn >= echoMs) {
      this.refresh();
      return;
    }
    clearTimeout(this.heldBack);
    this.heldBack = setTimeout(() => this.refresh(), echoMs - sinceOwn);
  }

  override dispose(): void {
    clearTimeout(this.heldBack);
    super.dispose();
  }
}
