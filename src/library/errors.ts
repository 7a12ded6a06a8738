import { UserFacingError } from '../common/userError';
import { errorMessage } from '../common/redact';
import { ConflictError, NotFoundError, ValidationError } from '../db/errors';

/** The message to show for an error from any layer. */
export function userMessage(err: unknown): string {
  if (err instanceof UserFacingError) return err.message;
  if (err instanceof ValidationError) {
    return err.issues.map((i) => `${fieldLabel(i.field)} ${i.message}.`).join(' ');
  }
  if (err instanceof NotFoundError) {
    return `${err.message} It may have been deleted, or it is not yours. Refresh the library.`;
  }
  if (err instanceof ConflictError) return `${err.message} Reload it to see the current version.`;
  return errorMessage(err);
}

function fieldLabel(field: string): string {
  const labels: Record<string, string> = {
    name: 'The name',
    description: 'The description',
    content: 'The content',
    token: 'The share token',
    expiresInHours: 'The expiry',
    maxAccesses: 'The number of uses',
    search: 'The search text',
  };
  return labels[field] ?? `${field[0]?.toUpperCase()}${field.slice(1)}`;
}
