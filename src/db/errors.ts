/** A rejected input: names the field and the rule it broke. Nothing was written. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly issues: readonly { field: string; message: string }[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  }
}

/**
 * The row does not exist or belongs to someone else. One message for both,
 * so a caller cannot probe for other users' ids.
 */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly entity: 'resource' | 'share') {
    super(`${entity === 'resource' ? 'Resource' : 'Share'} not found.`);
  }
}

/** The row changed since the caller loaded it; nothing was overwritten. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(readonly currentUpdatedAt: Date) {
    super('The resource was changed elsewhere since it was loaded.');
  }
}

/** The Postgres error code of a driver error, also when drizzle wrapped it (err.cause). */
export function postgresErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
