import { errorMessage, redact } from '../common/redact';
import type { ConnectionProblem } from '../common/userError';
import { postgresErrorCode } from '../db/errors';

export type { ConnectionProblem };

export interface DescribedError {
  problem: ConnectionProblem;
  /** What happened and what to do, with no secret in it. */
  message: string;
}

export interface ConnectionTarget {
  host: string;
  port: number;
  user?: string;
  database?: string;
}

const networkCodes: Record<string, ConnectionProblem> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ETIMEDOUT: 'timeout',
  CONNECT_TIMEOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'lost',
  EPIPE: 'lost',
  CONNECTION_CLOSED: 'lost',
  CONNECTION_ENDED: 'lost',
  CONNECTION_DESTROYED: 'lost',
};

const postgresCodes: Record<string, ConnectionProblem> = {
  '28P01': 'auth',
  '28000': 'auth',
  '3D000': 'database-missing',
  '57P01': 'lost',
  '57P02': 'lost',
  '57P03': 'lost',
};

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The message of the innermost cause: the driver's own words, not a wrapper's "Failed query: ... params: ...". */
function innermostMessage(err: unknown): string {
  let e: unknown = err;
  while (e && typeof e === 'object' && (e as { cause?: unknown }).cause) e = (e as { cause?: unknown }).cause;
  return String((e as Error)?.message ?? e);
}

export function classifyConnectionError(err: unknown): ConnectionProblem {
  const pgCode = postgresErrorCode(err);
  if (pgCode && postgresCodes[pgCode]) return postgresCodes[pgCode];
  const code = errorCode(err);
  if (code && networkCodes[code]) return networkCodes[code];
  if (/^ERR_(TLS|SSL)|CERT/.test(code ?? '')) return 'tls';
  // The server answered with an SQL error, so it was reached: not a connection problem, whatever
  // the text says (a query's parameters are user data, e.g. a resource named "TLS certificates").
  if (pgCode) return 'other';
  const text = innermostMessage(err);
  if (/certificate|\bSSL\b|\bTLS\b|SSL routines|self[- ]signed/i.test(text)) return 'tls';
  if (/write CONNECTION_CLOSED|Connection terminated|server closed the connection/i.test(text)) return 'lost';
  return 'other';
}

/** Whether the error means the server went away (so reconnecting may help), not a bad query. */
export function isConnectionProblem(err: unknown): boolean {
  return classifyConnectionError(err) !== 'other';
}

export function describeConnectionError(
  err: unknown,
  target: ConnectionTarget | undefined,
  secrets: readonly string[] = [],
): DescribedError {
  const problem = classifyConnectionError(err);
  const where = target ? `${target.host}:${target.port}` : 'the database';
  const detail = redact(errorMessage(err), secrets);
  const messages: Record<ConnectionProblem, string> = {
    refused: `Could not reach the database at ${where} (connection refused). Check that the server is running, or use the local library.`,
    dns: `Could not find the database host "${target?.host ?? ''}" (DNS lookup failed). Check the host name in the connection.`,
    timeout: `Timed out connecting to the database at ${where}. Check the network or firewall, or use the local library.`,
    unreachable: `The database host ${where} is unreachable from this machine. Check the network, or use the local library.`,
    auth: `The database at ${where} rejected the user name or password${target?.user ? ` for user "${target.user}"` : ''}. Connect again with the right credentials.`,
    'database-missing': `The database "${target?.database ?? ''}" does not exist on ${where}. Check the database name in the connection.`,
    tls: `The TLS connection to ${where} failed (${detail}). Check the TLS mode and CA file settings.`,
    lost: `The connection to the database at ${where} was lost (the server restarted or the network dropped). Reconnecting…`,
    'local-start': `The local library's database could not start: ${detail}`,
    other: `Database error: ${detail}`,
  };
  return { problem, message: messages[problem] };
}
