import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { LibraryModel } from '../model/libraryModel';
import type { StorageService } from '../storage/storageService';
import { contextKeys, setContext } from './contextKeys';
import type { LibraryNode } from './nodes';
import { typeLabels } from './presentation';
import { ResourceDragController } from './dragAndDrop';
import { ResourceTreeProvider } from './resourceTreeProvider';

export const libraryViewId = 'agentResources.library';

/** The tree view: its provider, the active filter in its description, reveal after a change. */
export class LibraryView extends Disposable {
  readonly provider: ResourceTreeProvider;
  readonly treeView: vscode.TreeView<LibraryNode>;

  constructor(
    private readonly model: LibraryModel,
    storage: StorageService,
  ) {
    super();
    this.provider = this.register(new ResourceTreeProvider(model, storage));
    this.treeView = this.register(
      vscode.window.createTreeView(libraryViewId, {
        treeDataProvider: this.provider,
        showCollapseAll: true,
        canSelectMany: false,
        dragAndDropController: new ResourceDragController(storage),
      }),
    );
    this.register(model.onDidChange(() => this.describeFilter()));
    this.register(storage.onDidChangeState((state) => {
      // The view's own progress bar while the database starts, instead of a spinner forever.
      if (state.kind === 'connecting') {
        void vscode.window.withProgress({ location: { viewId: libraryViewId } }, () =>
          new Promise<void>((resolve) => {
            const sub = storage.onDidChangeState((next) => {
              if (next.kind !== 'connecting') {
                sub.dispose();
                resolve();
              }
            });
          }),
        );
      }
    }));
    this.describeFilter();
  }

  /** Shows the resource in the tree, selected, once its page is loaded. */
  async reveal(resourceId: string): Promise<boolean> {
    const node = await this.provider.findResourceNode(resourceId);
    if (!node) return false;
    try {
      await this.treeView.reveal(node, { select: true, focus: false, expand: false });
      return true;
    } catch {
      // The view is not visible: nothing to reveal in.
      return false;
    }
  }

  private describeFilter(): void {
    const { search, type, scope, sort } = this.model.filter;
    const parts: string[] = [];
    if (scope === 'public') parts.push('public resources');
    if (search) parts.push(`“${search}”`);
    if (type) parts.push(typeLabels[type].toLowerCase());
    if (sort !== 'updated') parts.push(`by ${sort === 'executions' ? 'uses' : sort}`);
    this.treeView.description = parts.join(' · ') || undefined;
    void setContext(contextKeys.filtered, this.model.isFiltered);
  }
}
