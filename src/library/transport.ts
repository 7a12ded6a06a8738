import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { checkServerIdentity as checkIdentity, rootCertificates, type PeerCertificate } from 'node:tls';
import { UserFacingError } from '../common/userError';
import type { ConnectionOptions } from '../db/client';

/**
 * How a team connection is protected, strictest first. libpq's `prefer` and `allow` are not
 * here: they fall back to plain text when the server (or anyone between) declines TLS.
 */
export const tlsModes = ['verify-full', 'verify-ca', 'require', 'disable'] as const;
export type TlsMode = (typeof tlsModes)[number];

export interface TransportChoice {
  /** From the connection string's sslmode or PGSSLMODE; the setting's when absent or `prefer`/`allow`. */
  mode: TlsMode;
  /** PEM file of the CA: sslrootcert / PGSSLROOTCERT, else the setting; the system's CAs when none. */
  caFile: string | undefined;
  host: string;
  port: number;
}

/** The sslmode a connection string or PGSSLMODE asks for, when it is one this product honours. */
export function requestedTlsMode(value: string | null | undefined): TlsMode | undefined {
  return (tlsModes as readonly string[]).includes(value ?? '') ? (value as TlsMode) : undefined;
}

/** A server on this machine: the only kind an unencrypted connection may reach. */
export function isLocalHost(host: string): boolean {
  return host.startsWith('/') || host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** postgres.js takes a socket factory (`socket`), which its types do not declare. */
export interface TransportOptions {
  ssl: ConnectionOptions['ssl'];
  socket?: () => net.Socket;
}

/** The driver's TLS options (or, without TLS, a socket that never sends a password in clear text). */
export function transportOptions(choice: TransportChoice): TransportOptions {
  const { mode, host } = choice;
  if (mode === 'disable') {
    if (!isLocalHost(host)) {
      throw new UserFacingError(
        `TLS is off (sslmode or agentResources.team.tlsMode "disable"), which is allowed only for a development server on this machine, not ${host}. ` +
          'Use verify-full (the default) and, for a private CA, set agentResources.team.caFile.',
        'tls',
      );
    }
    return { ssl: false, socket: () => noCleartextPasswordSocket(choice.host, choice.port) };
  }
  if (mode === 'require') return { ssl: { rejectUnauthorized: false } };
  const ca = choice.caFile ? readFileSync(choice.caFile, 'utf8') : systemCertificates();
  // verify-full checks the name we dialled: postgres.js passes no servername for an IP address, and
  // Node then checks the certificate against "localhost". verify-ca checks the chain only (libpq's meaning).
  const checkServerIdentity = mode === 'verify-ca' ? () => undefined : (_: string, cert: PeerCertificate) => checkIdentity(host, cert);
  return { ssl: { ca, rejectUnauthorized: true, checkServerIdentity } };
}

// Node's own bundle plus the distribution's, where a company adds its CA.
const systemBundles = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

function systemCertificates(): string[] {
  const bundle = systemBundles.find((path) => existsSync(path));
  return bundle ? [...rootCertificates, readFileSync(bundle, 'utf8')] : [...rootCertificates];
}

/**
 * A plain connection that watches the server's authentication request: one for a clear-text
 * password (AuthenticationCleartextPassword) ends the connection before the driver can answer.
 * MD5 and SCRAM never send the password itself.
 */
function noCleartextPasswordSocket(host: string, port: number): net.Socket {
  const socket = host.startsWith('/') ? net.connect(`${host}/.s.PGSQL.${port}`) : net.connect(port, host);
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
  let pending = Buffer.alloc(0);
  let authenticated = false;
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event !== 'data' || authenticated) return emit(event, ...args);
    pending = Buffer.concat([pending, args[0] as Buffer]);
    // Backend messages: a type byte, then a length that counts itself.
    while (pending.length >= 5 && pending.length >= 1 + pending.readUInt32BE(1)) {
      if (pending[0] === 0x52 /* R */ && pending.length >= 9) {
        const request = pending.readUInt32BE(5);
        if (request === 3) {
          socket.destroy(
            new UserFacingError(
              `The server at ${host} asked for the password in clear text over an unencrypted connection; it was not sent. ` +
                'Turn TLS on (verify-full), or configure the server for scram-sha-256.',
              'tls',
            ),
          );
          return false;
        }
        if (request === 0) authenticated = true;
      }
      pending = pending.subarray(1 + pending.readUInt32BE(1));
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
  return socket;
}
