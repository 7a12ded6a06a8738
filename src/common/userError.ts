/** What kind of connection problem an error is: it decides which actions a message offers. */
export type ConnectionProblem =
  'refused' | 'dns' | 'timeout' | 'unreachable' | 'auth' | 'database-missing' | 'tls' | 'lost' | 'local-start' | 'other';

/**
 * The one error type whose message is written for the user: what happened and what to do. The
 * command runner shows it as it is; `problem` (a connection problem) adds Retry and Configure.
 */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(
    message: string,
    readonly problem?: ConnectionProblem,
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
