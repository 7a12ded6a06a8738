import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { Library } from '../library/library';
import type { LibraryModel } from '../model/libraryModel';
import type { StorageService, StorageState } from '../storage/storageService';
import { contextKeys, setContext, type ViewState } from './contextKeys';
import type { LibraryNode } from './nodes';
import { typeLabels } from './presentation';
import { ResourceDragController } from './dragAndDrop';
import { ResourceTreeProvider } from './resourceTreeProvider';

/** The view's states that show a welcome view, which a message would hide. */
const welcomeStates = new Set<ViewState>(['empty', 'noMatch', 'offline', 'setup', 'noUser', 'notMember']);

export const libraryViewId = 'agentResources.library';

/** The tree view: its provider, the active filter in its description, reveal after a change. */
export class LibraryView extends Disposable {
  readonly provider: ResourceTreeProvider;
  readonly treeView: vscode.TreeView<LibraryNode>;

  constructor(
    private readonly model: LibraryModel,
    library: Library,
    storage: StorageService,
  ) {
    super();
    this.provider = this.register(new ResourceTreeProvider(model, library, storage));
    this.treeView = this.register(
      vscode.window.createTreeView(libraryViewId, {
        treeDataProvider: this.provider,
        showCollapseAll: true,
        canSelectMany: false,
        dragAndDropController: new ResourceDragController(library),
      }),
    );
    this.register(model.onDidChange(() => this.describeFilter()));
    this.register(
      storage.onDidChangeState((state) => {
        if (state.kind === 'connecting') this.showProgressUntilConnected(storage);
        this.warnOfSharedLogin(state);
      }),
    );
    this.register(this.provider.onDidChangeViewState(() => this.warnOfSharedLogin(storage.state)));
    this.describeFilter();
  }

  /** Said where the resources are seen: with a shared login, nothing the database does keeps them apart. */
  private warnOfSharedLogin(state: StorageState): void {
    const shared = state.kind === 'ready' && state.session.isolation === 'shared';
    // Above the rows only: a tree with a message shows none of its welcome views (the status bar says it too).
    // Also while the rows load. (The workbench still draws it after the rows: they move down once.)
    const welcome = this.provider.shownState !== undefined && welcomeStates.has(this.provider.shownState);
    this.treeView.message =
      shared && !welcome ? "Shared database login: members of this database can read each other's resources, public or not." : undefined;
  }

  /** The view's own progress bar while the database starts, instead of a spinner forever. */
  private showProgressUntilConnected(storage: StorageService): void {
    const connected = new Promise<void>((resolve) => {
      const sub = storage.onDidChangeState((next) => {
        if (next.kind !== 'connecting') {
          sub.dispose();
          resolve();
        }
      });
    });
    // The task never fails; showing the bar fails only while the window closes.
    vscode.window.withProgress({ location: { viewId: libraryViewId } }, () => connected).then(undefined, () => undefined);
  }

  /**
   * Shows the resource in the tree, selected, once its page is loaded; nobody waits for it.
   * `afterwards` runs when the row is shown, or could not be, or after a moment at most.
   */
  reveal(resourceId: string, afterwards?: () => void): void {
    const revealed = this.revealNode(resourceId).catch(() => {
      // The view is not visible: nothing to reveal in.
    });
    if (!afterwards) return;
    const cap = new Promise<void>((resolve) => setTimeout(resolve, 500));
    Promise.race([revealed, cap]).then(afterwards, () => undefined);
  }

  private async revealNode(resourceId: string): Promise<void> {
    const node = await this.provider.findResourceNode(resourceId);
    if (node) await this.treeView.reveal(node, { select: true, focus: false, expand: false });
  }

  private describeFilter(): void {
    const { search, type, tag, scope, sort } = this.model.filter;
    const parts: string[] = [];
    if (scope === 'public') parts.push('public resources');
    if (search) parts.push(`“${search}”`);
    if (type) parts.push(typeLabels[type].toLowerCase());
    if (tag) parts.push(`#${tag}`);
    if (sort !== 'updated') parts.push(`by ${sort === 'executions' ? 'uses' : sort}`);
    this.treeView.description = parts.join(' · ') || undefined;
    setContext(contextKeys.filtered, this.model.isFiltered);
  }
}
