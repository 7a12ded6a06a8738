import type { ResourceListItem } from '../db/queries';

// The contextValue of each kind of tree row, which package.json's menus match in their `when`
// clauses. No VS Code here: the UI suite reads the same values to check every menu item shows.

/** resource.<type>.<pinned|unpinned>.<public|private>.<own|foreign> */
export function resourceContextValue(r: Pick<ResourceListItem, 'resourceType' | 'pinned' | 'isPublic'>, own: boolean): string {
  return `resource.${r.resourceType}.${r.pinned ? 'pinned' : 'unpinned'}.${r.isPublic ? 'public' : 'private'}.${own ? 'own' : 'foreign'}`;
}

export const shareContextValue = 'share';

/** A type's group (`group.prompt`…), a tag's (`group.tag`) or the untagged resources' (`group.untagged`). */
export const groupContextValue = (group: string): string => `group.${group}`;
