import type { ResourceListItem, ResourcePage } from '../db/queries';
import type { TagCount } from '../db/tags';
import { resourceTypes, type ResourceType, type SortOrder } from '../db/rules';
import { Disposable } from '../common/disposable';
import { Emitter, type Event } from '../common/events';
import type { Library, LibraryChange, ListScope } from '../library/library';

/** One list of the tree: everything, one type, one tag, or the resources without a tag. */
export type ListKey = 'all' | ResourceType | `tag:${string}` | 'untagged';

/** How the root groups the lists. */
export type GroupMode = 'none' | 'type' | 'tag';

/** A group of the tag mode: a tag with how many resources have it, or (tag null) the untagged ones. */
export interface TagGroup {
  key: ListKey;
  tag: string | null;
  count: number | undefined;
}
export type Scope = ListScope;

export interface LibraryFilter {
  search: string;
  type: ResourceType | undefined;
  /** Only resources with this tag. */
  tag: string | undefined;
  sort: SortOrder;
  scope: Scope;
}

export interface ResourceList {
  items: ResourceListItem[];
  nextCursor: string | undefined;
}

/** The view settings the model follows; they change in Settings, by Toggle Grouping or Sort By. */
export interface ViewSettings {
  grouped: boolean;
  /** Group by tag (takes precedence over grouping by type). */
  groupByTag: boolean;
  sort: SortOrder;
  pageSize: number;
}

/** Where the model's pages come from: the library, and the events that mean they are out of date. */
export interface ModelSources {
  library: Pick<Library, 'list' | 'onDidChange' | 'tags'>;
  /** Fires when the session changes (connected, offline, another database). */
  onDidChangeSession: Event<unknown>;
  settings: () => ViewSettings;
  onDidChangeSettings: Event<unknown>;
}

/**
 * What the library view shows (no VS Code here: unit tests feed it a library): the filter, and the pages loaded so far per list (one list
 * when flat, one per type when grouped). Views read it and listen to its events; only this
 * class asks the library for pages, one page per request. A page that arrives after the
 * filter or the library changed belongs to a list nobody shows any more: it is dropped.
 */
export class LibraryModel extends Disposable {
  private readonly changeEmitter = this.register(new Emitter<readonly ListKey[] | undefined>());
  /** The lists that changed, or undefined: anything may have (the filter, the session, the library). */
  readonly onDidChange = this.changeEmitter.event;
  private readonly lists = new Map<ListKey, Promise<ResourceList>>();
  private readonly loadingMore = new Map<ListKey, Promise<void>>();
  private tagGroupList: Promise<TagGroup[]> | undefined;
  private currentFilter: LibraryFilter;
  private settings: ViewSettings;

  constructor(private readonly sources: ModelSources) {
    super();
    this.settings = sources.settings();
    this.currentFilter = { search: '', type: undefined, tag: undefined, sort: this.settings.sort, scope: 'mine' };
    this.register(sources.library.onDidChange((change) => this.libraryChanged(change)));
    // Pages belong to one connection; any change of storage state means the view shows something else.
    this.register(sources.onDidChangeSession(() => this.invalidate()));
    this.register(sources.onDidChangeSettings(() => this.followSettings()));
  }

  get filter(): Readonly<LibraryFilter> {
    return this.currentFilter;
  }

  get isGrouped(): boolean {
    return this.settings.grouped;
  }

  get isFiltered(): boolean {
    const { search, type, tag, scope } = this.currentFilter;
    return Boolean(search || type || tag || scope === 'public');
  }

  /** The tag grouping setting (it shows only in the user's own library). */
  get isGroupedByTag(): boolean {
    return this.settings.groupByTag;
  }

  /** Tags group the user's own library only: other users' tags are theirs. */
  get groupMode(): GroupMode {
    if (this.settings.groupByTag && this.currentFilter.scope === 'mine') return 'tag';
    return this.settings.grouped ? 'type' : 'none';
  }

  /** The lists the root shows, in order (by type or flat; the tag mode's are tagGroups()). */
  listKeys(): ListKey[] {
    if (this.groupMode === 'none') return ['all'];
    return this.currentFilter.type ? [this.currentFilter.type] : [...resourceTypes];
  }

  /** The tag mode's groups: the user's tags by name (only the filter's, when one is set), then the untagged resources. */
  tagGroups(): Promise<TagGroup[]> {
    this.tagGroupList ??= this.fetchTagGroups();
    const groups = this.tagGroupList;
    groups.catch(() => this.tagGroupList === groups && (this.tagGroupList = undefined));
    return groups;
  }

  /** The pages loaded so far of one list; the first page is fetched on first need. */
  list(key: ListKey): Promise<ResourceList> {
    const existing = this.lists.get(key);
    if (existing) return existing;
    const list = this.fetchPage(key, undefined).then((page) => ({ items: page.items, nextCursor: page.nextCursor }));
    this.lists.set(key, list);
    // A failed load is not kept, so the next request tries again; only this one is forgotten, not a newer one.
    list.catch(() => this.lists.get(key) === list && this.lists.delete(key));
    return list;
  }

  /** Appends the next page of a list; a second call while one is loading waits for it. */
  loadMore(key: ListKey): Promise<void> {
    const pending = this.loadingMore.get(key);
    if (pending) return pending;
    const loading = this.appendNextPage(key).finally(() => this.loadingMore.get(key) === loading && this.loadingMore.delete(key));
    this.loadingMore.set(key, loading);
    return loading;
  }

  setFilter(change: Partial<LibraryFilter>): void {
    this.currentFilter = { ...this.currentFilter, ...change };
    this.invalidate();
  }

  /** Forgets the loaded pages (after a change in the library) and tells the views. */
  invalidate(): void {
    this.lists.clear();
    this.loadingMore.clear();
    this.tagGroupList = undefined;
    this.changeEmitter.fire(undefined);
  }

  /**
   * A new resource, grouped by type, is only in its type's list: the other lists stay as loaded,
   * so a save refetches and redraws one group, not the tree. Anything else may move rows between
   * lists (a change of type, a delete, an import): everything is fetched again.
   */
  private libraryChanged(change: LibraryChange): void {
    const key = change.resourceType;
    if (change.kind !== 'created' || !key || this.groupMode !== 'type' || !this.listKeys().includes(key)) return this.invalidate();
    this.lists.delete(key);
    this.loadingMore.delete(key);
    this.changeEmitter.fire([key]);
  }

  private async appendNextPage(key: ListKey): Promise<void> {
    const loaded = this.list(key);
    const current = await loaded;
    if (!current.nextCursor) return;
    const page = await this.fetchPage(key, current.nextCursor);
    // The list was dropped meanwhile (the filter or the library changed): the page belongs to nobody.
    if (this.lists.get(key) !== loaded) return;
    this.lists.set(key, Promise.resolve({ items: [...current.items, ...page.items], nextCursor: page.nextCursor }));
    this.changeEmitter.fire([key]);
  }

  private followSettings(): void {
    const next = this.sources.settings();
    const changed =
      next.grouped !== this.settings.grouped ||
      next.groupByTag !== this.settings.groupByTag ||
      next.sort !== this.settings.sort ||
      next.pageSize !== this.settings.pageSize;
    this.settings = next;
    if (changed) this.setFilter({ sort: next.sort });
  }

  private fetchPage(key: ListKey, cursor: string | undefined): Promise<ResourcePage> {
    const { search, sort, scope } = this.currentFilter;
    const type = (resourceTypes as readonly string[]).includes(key) ? (key as ResourceType) : this.currentFilter.type;
    const tag = key.startsWith('tag:') ? key.slice('tag:'.length) : this.currentFilter.tag;
    const untagged = key === 'untagged' || undefined;
    return this.sources.library.list(scope, {
      search: search || undefined,
      type,
      ...(untagged ? { untagged } : { tag }),
      sort,
      limit: this.settings.pageSize,
      cursor,
    });
  }

  private async fetchTagGroups(): Promise<TagGroup[]> {
    const { type, tag, search } = this.currentFilter;
    const counts: TagCount[] = await this.sources.library.tags({ type });
    // Counts leave the search out (they would cost a search per tag): none shown while searching.
    const groups: TagGroup[] = counts
      .filter((c) => tag === undefined || c.tag === tag)
      .map((c) => ({ key: `tag:${c.tag}`, tag: c.tag, count: search ? undefined : c.count }));
    if (tag === undefined) groups.push({ key: 'untagged', tag: null, count: undefined });
    return groups;
  }
}
