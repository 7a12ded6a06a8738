import { ConflictError, NotFoundError, ValidationError } from '../db/errors';
import type { DescribedError } from '../storage/connectionErrors';

/** An error whose message is written for the user; `problem` tells which actions to offer. */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(
    message: string,
    readonly problem?: DescribedError['problem'],
  ) {
    super(message);
  }
}

/** The user cancelled a long operation: nothing to report. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('Cancelled.');
  }
}

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
  return err instanceof Error ? err.message : String(err);
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
