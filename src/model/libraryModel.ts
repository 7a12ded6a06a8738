import * as vscode from 'vscode';
import { getPublicResources, getUserResources, type ResourceListItem } from '../db/queries';
import { resourceTypes, type ResourceType } from '../db/schema';
import type { SortOrder } from '../db/validation';
import { Disposable } from '../common/disposable';
import type { StorageService } from '../storage/storageService';

export type ListKey = 'all' | ResourceType;
export type Scope = 'mine' | 'public';

export interface LibraryFilter {
  search: string;
  type: ResourceType | undefined;
  sort: SortOrder;
  scope: Scope;
}

export interface ResourceList {
  items: ResourceListItem[];
  nextCursor: string | undefined;
}

/**
 * What the library view shows: the filter, and the pages loaded so far per list
 * (one list when flat, one per type when grouped). Views read it and listen to its events;
 * only this class queries for pages, one page per request.
 */
export class LibraryModel extends Disposable {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changeEmitter.event;
  private readonly lists = new Map<ListKey, Promise<ResourceList>>();
  private currentFilter: LibraryFilter;
  private grouped: boolean;

  constructor(private readonly storage: StorageService) {
    super();
    const config = vscode.workspace.getConfiguration('agentResources.view');
    this.grouped = config.get<boolean>('groupByType', true);
    this.currentFilter = { search: '', type: undefined, sort: config.get<SortOrder>('sortBy', 'updated'), scope: 'mine' };
    // Pages belong to one connection; any change of storage state means the view shows something else.
    this.register(storage.onDidChangeState(() => this.invalidate()));
  }

  get filter(): Readonly<LibraryFilter> {
    return this.currentFilter;
  }

  get isGrouped(): boolean {
    return this.grouped;
  }

  get isFiltered(): boolean {
    return Boolean(this.currentFilter.search || this.currentFilter.type || this.currentFilter.scope === 'public');
  }

  /** The lists the root shows, in order. */
  listKeys(): ListKey[] {
    if (!this.grouped) return ['all'];
    return this.currentFilter.type ? [this.currentFilter.type] : [...resourceTypes];
  }

  /** The pages loaded so far of one list; the first page is fetched on first need. */
  list(key: ListKey): Promise<ResourceList> {
    let list = this.lists.get(key);
    if (!list) {
      list = this.fetchPage(key, undefined).then((page) => ({ items: page.items, nextCursor: page.nextCursor }));
      // A failed load is not cached: the next request tries again.
      list.catch(() => this.lists.delete(key));
      this.lists.set(key, list);
    }
    return list;
  }

  async loadMore(key: ListKey): Promise<void> {
    const current = await this.list(key);
    if (!current.nextCursor) return;
    const page = await this.fetchPage(key, current.nextCursor);
    this.lists.set(key, Promise.resolve({ items: [...current.items, ...page.items], nextCursor: page.nextCursor }));
    this.changeEmitter.fire();
  }

  setFilter(change: Partial<LibraryFilter>): void {
    this.currentFilter = { ...this.currentFilter, ...change };
    this.invalidate();
  }

  setGrouped(grouped: boolean): void {
    this.grouped = grouped;
    this.invalidate();
  }

  /** Forgets the loaded pages (after a change in the database) and tells the views. */
  invalidate(): void {
    this.lists.clear();
    this.changeEmitter.fire();
  }

  private fetchPage(key: ListKey, cursor: string | undefined) {
    const { search, sort, scope } = this.currentFilter;
    const type = key === 'all' ? this.currentFilter.type : key;
    const limit = vscode.workspace.getConfiguration('agentResources.view').get<number>('pageSize', 50);
    const query = scope === 'public' ? getPublicResources : getUserResources;
    return this.storage.run((s) => query(s.db, s.userId, { search: search || undefined, type, sort, limit, cursor }));
  }
}
