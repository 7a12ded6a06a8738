import { Disposable } from '../common/disposable';
import { errorMessage } from '../common/redact';
import type { Event } from '../common/events';
import type { Log } from '../common/log';
import { listenForChanges, type ChangeFeed } from '../library/changeFeed';
import type { Session, StorageState } from './storageService';

/**
 * Refreshes the views when the database says the library changed: a save in another window, an
 * agent through the MCP server, a row the chat app wrote. Listens only while the view is visible
 * (a listening connection is held meanwhile; none in a window nobody looks at). The echo of this
 * window's own writes is skipped: they are shown already, and a redraw under the pointer would make
 * a row's menu command lose its row.
 */
export class LiveChanges extends Disposable {
  private feed: { session: Session; ready: Promise<ChangeFeed | undefined> } | undefined;
  private session: Session | undefined;
  private visible = false;

  constructor(
    storage: { readonly state: StorageState; readonly onDidChangeState: Event<StorageState> },
    view: { readonly visible: boolean; readonly onDidChangeVisibility: Event<{ readonly visible: boolean }> },
    private readonly refresh: () => void,
    private readonly log: Log,
  ) {
    super();
    const sessionOf = (state: StorageState) => (state.kind === 'ready' ? state.session : undefined);
    this.register(storage.onDidChangeState((state) => this.follow(sessionOf(state), this.visible)));
    this.register(view.onDidChangeVisibility(({ visible }) => this.follow(this.session, visible)));
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
    const ready = listenForChanges(wanted, { ignoreOrigin: wanted.client.applicationName, log: (line) => this.log.info(line) }).then(
      (feed) => {
        feed.onDidChange(() => this.refresh());
        return feed;
      },
      (err: unknown) => {
        this.log.warn(`Live refresh is off for this window: ${errorMessage(err)}`);
        return undefined;
      },
    );
    this.feed = { session: wanted, ready };
  }
}
