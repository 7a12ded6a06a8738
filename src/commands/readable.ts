import { UserFacingError } from '../common/userError';
import type { Resource } from '../db/schema';
import { noLongerSharedMessage, type SharedResourceReader } from '../editor/sharedPreviews';
import type { CommandContext } from './context';

/**
 * The resource as the database has it now, if the user may read it: their own, a public one, or
 * one opened from a share token while that share lasts. Never a copy kept from an earlier read.
 */
export async function readable(ctx: CommandContext, id: string, viaShareToken = ctx.previews.tokenFor(id)): Promise<Resource> {
  const resource = await ctx.library.get(id, viaShareToken);
  if (resource) return resource;
  if (viaShareToken) throw noLongerShared(ctx, id);
  throw new UserFacingError('Resource not found. It may have been deleted, or it is not yours. Refresh the library.');
}

/** The error for a resource opened from a share that is gone now; its open preview is told to say so too. */
export function noLongerShared(ctx: CommandContext, id: string): UserFacingError {
  ctx.previews.refresh(id);
  return new UserFacingError(noLongerSharedMessage);
}

/** How a shared preview reads its resource again: through the token it was opened with. */
export function sharedReader(ctx: CommandContext): SharedResourceReader {
  return (id, shareToken) => ctx.library.get(id, shareToken);
}
