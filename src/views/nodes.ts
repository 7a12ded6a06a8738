import * as vscode from 'vscode';
import type { ResourceListItem } from '../db/queries';
import type { ResourceShare, ResourceType } from '../db/schema';
import type { ListKey } from '../model/libraryModel';
import { visibleName } from '../db/rules';
import { groupContextValue, resourceContextValue, shareContextValue } from './contextValues';
import { maskToken, nameHighlights, resourceDescription, shareStatus, typeIcons, typeLabels, typeNames } from './presentation';

export type LibraryNode = GroupNode | ResourceNode | ShareNode | LoadMoreNode;

/** A group of the root: a resource type (expanded), or a tag or the untagged resources (collapsed: each loads when opened). */
export class GroupNode {
  readonly kind = 'group';
  readonly id: string;
  readonly parent = undefined;
  private constructor(
    readonly key: ListKey,
    private readonly look: { label: string; icon: string; description?: string; expanded: boolean; contextValue: string },
  ) {
    this.id = `group:${key}`;
  }

  static ofType(type: ResourceType): GroupNode {
    return new GroupNode(type, { label: typeLabels[type], icon: typeIcons[type], expanded: true, contextValue: groupContextValue(type) });
  }

  static ofTag(tag: string | null, count: number | undefined): GroupNode {
    const description = count === undefined ? undefined : String(count);
    return tag === null
      ? new GroupNode('untagged', { label: 'Untagged', icon: 'circle-slash', expanded: false, contextValue: groupContextValue('untagged') })
      : new GroupNode(`tag:${tag}`, { label: tag, icon: 'tag', description, expanded: false, contextValue: groupContextValue('tag') });
  }

  toTreeItem(): vscode.TreeItem {
    const { label, icon, description, expanded, contextValue } = this.look;
    const item = new vscode.TreeItem(
      label,
      expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(icon);
    item.description = description;
    item.contextValue = contextValue;
    return item;
  }
}

export class ResourceNode {
  readonly kind = 'resource';
  readonly id: string;
  constructor(
    readonly resource: ResourceListItem,
    readonly parent: GroupNode | undefined,
    readonly own: boolean,
    private readonly search: string,
  ) {
    // A resource is under each of its tags in the tag mode: the group keeps its ids apart.
    const group = parent?.key.startsWith('tag:') || parent?.key === 'untagged' ? `${parent.id}/` : '';
    this.id = `${group}${own ? 'own' : 'public'}:${resource.id}`;
  }

  /** Parts a menu's `when` clause matches: resource.<type>.<pinned|unpinned>.<public|private>.<own|foreign>. */
  get contextValue(): string {
    return resourceContextValue(this.resource, this.own);
  }

  toTreeItem(): vscode.TreeItem {
    const r = this.resource;
    const collapsible = this.own && r.shareCount > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    const label = visibleName(r.name);
    const item = new vscode.TreeItem({ label, highlights: nameHighlights(label, this.search) }, collapsible);
    item.id = this.id;
    item.description = resourceDescription(r, this.search);
    const type = r.resourceType;
    item.iconPath = new vscode.ThemeIcon(typeIcons[type] ?? 'file', r.pinned ? new vscode.ThemeColor('charts.yellow') : undefined);
    item.contextValue = this.contextValue;
    item.command = { command: 'agentResources.open', title: 'Open Resource', arguments: [r.id] };
    item.accessibilityInformation = { label: `${label}, ${typeNames[type] ?? r.resourceType}${r.pinned ? ', pinned' : ''}` };
    return item;
  }
}

export class ShareNode {
  readonly kind = 'share';
  readonly id: string;
  constructor(
    readonly share: ResourceShare,
    readonly parent: ResourceNode,
  ) {
    this.id = `share:${share.id}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(maskToken(this.share.shareToken), vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = shareStatus(this.share);
    item.iconPath = new vscode.ThemeIcon('link');
    item.contextValue = shareContextValue;
    item.tooltip = `Share token (hidden). ${shareStatus(this.share)}. Created ${this.share.createdAt.toLocaleString()}.`;
    return item;
  }
}

export class LoadMoreNode {
  readonly kind = 'loadMore';
  readonly id: string;
  constructor(
    readonly key: ListKey,
    readonly parent: GroupNode | undefined,
  ) {
    this.id = `more:${key}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.command = { command: 'agentResources.loadMore', title: 'Load More', arguments: [this.key] };
    return item;
  }
}
