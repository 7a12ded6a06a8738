import type { Database } from '../db/client';
import { updateResource } from '../db/queries';
import type { Resource, ResourceType } from '../db/schema';
import { getVersion, latestVersion } from '../db/versions';

export interface RestoredVersion {
  /** The resource as it is now. */
  resource: Resource;
  /** The version that was brought back. */
  restored: number;
  /** The current version after the restore: a new one, unless the restored state was already current. */
  version: number | undefined;
  changed: boolean;
}

/**
 * Brings back a version's name, description and content as a new version (the history keeps what
 * it replaced). Not conditional on what an editor loaded: an editor that had the old text open gets
 * a conflict when it saves, since updated_at moved on.
 */
export async function restoreVersion(db: Database, userId: string, id: string, version: number, note?: string): Promise<RestoredVersion> {
  const old = await getVersion(db, userId, id, version);
  const before = await latestVersion(db, userId, id);
  const resource = await updateResource(
    db,
    userId,
    id,
    // The stored type is checked by the update like any input (a row written by the app may hold another).
    { name: old.name, description: old.description, resourceType: old.resourceType as ResourceType, content: old.content },
    { note: note ?? `Restored version ${version}` },
  );
  const after = await latestVersion(db, userId, id);
  return { resource, restored: version, version: after, changed: after !== before };
}
