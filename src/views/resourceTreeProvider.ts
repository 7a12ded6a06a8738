import * as vscode from 'vscode';
import type { ResourceListItem } from '../db/queries';
import type { Library } from '../library/library';
import { Disposable } from '../common/disposable';
import type { LibraryModel, ListKey, TagGroup } from '../model/libraryModel';
import type { StorageService, StorageState } from '../storage/storageService';
import { contextKeys, setContext, type ViewState } from './contextKeys';
import { GroupNode, LoadMoreNode, ResourceNode, ShareNode, type LibraryNode } from './nodes';
import { tagList, typeNames } from './presentation';

/**
 * The library tree. It reads pages from the model (which fetches one page per request)
 * and asks the database itself only for what one node needs when it is expanded or hovered.
 */
export class ResourceTreeProvider extends Disposable implements vscode.TreeDataProvider<LibraryNode> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<LibraryNode[] | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly nodes = new Map<string, LibraryNode>();
  /** The type groups the root showed last: a change of only their lists redraws only them. */
  private shownGroups: readonly GroupNode[] = [];
  private viewState: ViewState | undefined;
  private readonly viewStateEmitter = this.register(new vscode.EventEmitter<ViewState>());
  /** What the view shows: rows (`ready`), or the welcome view of a state. */
  readonly onDidChangeViewState = this.viewStateEmitter.event;

  constructor(
    private readonly model: LibraryModel,
    private readonly library: Library,
    private readonly storage: StorageService,
  ) {
    super();
    this.register(model.onDidChange((keys) => this.changeEmitter.fire(this.groupsOf(keys))));
    this.register(storage.onDidChangeState((state) => setContext(contextKeys.mode, state.mode)));
  }

  getTreeItem(node: LibraryNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  getParent(node: LibraryNode): LibraryNode | undefined {
    return node.parent;
  }

  async getChildren(node?: LibraryNode): Promise<LibraryNode[]> {
    if (!node) return this.rootChildren();
    if (node instanceof GroupNode) return this.listChildren(node.key, node);
    if (node instanceof ResourceNode && node.own) {
      const shares = await this.library.shares(node.resource.id).catch(() => []);
      return shares.map((share) => this.remember(new ShareNode(share, node)));
    }
    return [];
  }

  /** Hover: description, type, dates, lineage and shares, fetched for this one item. */
  async resolveTreeItem(item: vscode.TreeItem, node: LibraryNode): Promise<vscode.TreeItem> {
    if (!(node instanceof ResourceNode)) return item;
    const r = node.resource;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escape(r.name)}**  \n`);
    if (r.description) md.appendMarkdown(`${escape(r.description)}\n\n`);
    md.appendMarkdown(
      `$(symbol-class) ${typeNames[r.resourceType] ?? r.resourceType}${r.isPublic ? ' · public' : ''}${r.pinned ? ' · pinned' : ''}  \n`,
    );
    if (r.tags.length) md.appendMarkdown(`$(tag) ${escape(tagList(r.tags))}  \n`);
    md.appendMarkdown(`Created ${r.createdAt.toLocaleString()} · updated ${r.updatedAt.toLocaleString()}  \n`);
    md.appendMarkdown(
      `${r.forkCount} forks · ${r.executionCount} uses${r.lastExecutedAt ? ` · last used ${r.lastExecutedAt.toLocaleString()}` : ''}  \n`,
    );
    if (r.parentResourceId) {
      const parent = await this.library.get(r.parentResourceId).catch(() => null);
      md.appendMarkdown(`$(repo-forked) Forked from ${parent ? `**${escape(parent.name)}**` : 'a resource you cannot see'}  \n`);
    }
    if (node.own && r.shareCount) md.appendMarkdown(`$(link) ${r.shareCount} share${r.shareCount === 1 ? '' : 's'} (expand to see them)`);
    item.tooltip = md;
    return item;
  }

  /** The node of a loaded resource, for reveal(); undefined when it is not on a loaded page. */
  async findResourceNode(resourceId: string): Promise<ResourceNode | undefined> {
    // In the tag mode, where a new resource is: it has no tag yet (the other groups load only when opened).
    const mode = this.model.groupMode;
    const keys: ListKey[] = mode === 'tag' ? ['untagged'] : this.model.listKeys();
    for (const key of keys) {
      const list = await this.model.list(key).catch(() => undefined);
      const item = list?.items.find((i) => i.id === resourceId);
      if (!item) continue;
      const parent =
        mode === 'tag' ? this.tagGroup({ key, tag: null, count: undefined }) : mode === 'type' ? this.typeGroup(key) : undefined;
      return this.resourceNode(item, parent);
    }
    return undefined;
  }

  /** The shown groups of these lists; undefined (the whole tree) when any is not one of them. */
  private groupsOf(keys: readonly ListKey[] | undefined): GroupNode[] | undefined {
    const groups = keys?.map((key) => this.shownGroups.find((g) => g.key === key));
    return groups?.every((g) => g !== undefined) ? groups : undefined;
  }

  private async rootChildren(): Promise<LibraryNode[]> {
    this.shownGroups = [];
    if (this.storage.state.kind !== 'ready') this.setViewState('loading');
    try {
      await this.storage.session();
    } catch {
      this.setViewState(stateFor(this.storage.state));
      return [];
    }
    if (this.model.groupMode === 'tag') return this.tagRoot();
    const keys = this.model.listKeys();
    let lists: { key: ListKey; items: ResourceListItem[] }[];
    try {
      lists = await Promise.all(keys.map(async (key) => ({ key, items: (await this.model.list(key)).items })));
    } catch {
      this.setViewState(stateFor(this.storage.state));
      return [];
    }
    const empty = lists.every((l) => l.items.length === 0);
    this.setViewState(empty ? (this.model.isFiltered ? 'noMatch' : 'empty') : 'ready');
    if (this.model.groupMode === 'none') return this.listChildren('all', undefined);
    const groups = lists.filter((l) => l.items.length > 0).map((l) => this.typeGroup(l.key));
    this.shownGroups = groups;
    return groups;
  }

  /** The tag mode's root: a group per tag (each loads when opened), then Untagged when there are any. */
  private async tagRoot(): Promise<LibraryNode[]> {
    let groups: TagGroup[];
    let untaggedCount: number;
    try {
      groups = await this.model.tagGroups();
      untaggedCount = groups.some((g) => g.tag === null) ? (await this.model.list('untagged')).items.length : 0;
    } catch {
      this.setViewState(stateFor(this.storage.state));
      return [];
    }
    const shown = groups.filter((g) => g.tag !== null || untaggedCount > 0);
    this.setViewState(shown.length > 0 ? 'ready' : this.model.isFiltered ? 'noMatch' : 'empty');
    return shown.map((g) => this.tagGroup(g));
  }

  private async listChildren(key: ListKey, parent: GroupNode | undefined): Promise<LibraryNode[]> {
    const list = await this.model.list(key).catch(() => undefined);
    if (!list) return [];
    const children: LibraryNode[] = list.items.map((item) => this.resourceNode(item, parent));
    if (list.nextCursor) children.push(this.remember(new LoadMoreNode(key, parent)));
    return children;
  }

  private resourceNode(item: ResourceListItem, parent: GroupNode | undefined): ResourceNode {
    return this.remember(new ResourceNode(item, parent, this.model.filter.scope === 'mine', this.model.filter.search));
  }

  private typeGroup(key: ListKey): GroupNode {
    const existing = this.nodes.get(`group:${key}`);
    return existing instanceof GroupNode ? existing : this.remember(GroupNode.ofType(key as ResourceListItem['resourceType']));
  }

  /** Made anew each time: its count changes. */
  private tagGroup(group: TagGroup): GroupNode {
    return this.remember(GroupNode.ofTag(group.tag, group.count));
  }

  private remember<T extends LibraryNode>(node: T): T {
    this.nodes.set(node.id, node);
    return node;
  }

  private setViewState(state: ViewState): void {
    if (state === this.viewState) return;
    this.viewState = state;
    setContext(contextKeys.state, state);
    this.viewStateEmitter.fire(state);
  }

  get shownState(): ViewState | undefined {
    return this.viewState;
  }
}

function stateFor(state: StorageState): ViewState {
  if (state.kind === 'noUser') return state.login ? 'notMember' : 'noUser';
  return state.kind === 'setup' ? 'setup' : state.kind === 'connecting' ? 'loading' : 'offline';
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
