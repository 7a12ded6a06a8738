import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testConnection } from '../../src/library/session';
import { resolveTeamConnection, type TeamSettings } from '../../src/library/teamConnection';
import { startTeamServer, type TeamServer } from '../support/teamServer';

const root = resolve(__dirname, '..', '..');

/** A CA and a server certificate it signed, for `localhost` only (no IP address in it), made with Debian's openssl. */
function makeCertificates(dir: string): { caFile: string; certFile: string; keyFile: string; otherCaFile: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test Team CA');
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=Other CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  for (const f of ['ca.pem', 'server.pem', 'other.pem']) chmodSync(join(dir, f), 0o644);
  return {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    otherCaFile: join(dir, 'other.pem'),
  };
}

function connect(url: string, settings: TeamSettings): Promise<void> {
  const resolved = resolveTeamConnection(url, settings, {});
  return testConnection(resolved.url, resolved.options);
}

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return 'connected';
}

describe('TLS to a team database', function () {
  this.timeout(60_000);
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let server: TeamServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-resources-tls-'));
    chmodSync(dir, 0o755);
    certs = makeCertificates(dir);
    server = await startTeamServer(root, { tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  });

  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const at = (host: string, query = '') =>
    `postgres://postgres:${encodeURIComponent(server.password)}@${host}:${server.port}/postgres${query}`;

  it('verify-full (the default) connects to a server whose certificate the CA file vouches for, by its name', async () => {
    await connect(at('localhost'), { tlsMode: 'verify-full', caFile: certs.caFile });
    await connect(at('localhost', `?sslrootcert=${encodeURIComponent(certs.caFile)}`), { tlsMode: 'verify-full' });
  });

  it('verify-full refuses a certificate of an unknown CA, and one issued for another name', async () => {
    assert.match(await failure(connect(at('localhost'), { tlsMode: 'verify-full' })), /self.signed|unable to verify|local issuer/i);
    assert.match(
      await failure(connect(at('localhost'), { tlsMode: 'verify-full', caFile: certs.otherCaFile })),
      /unable to verify|self.signed|local issuer/i,
    );
    assert.match(
      await failure(connect(at('127.0.0.1'), { tlsMode: 'verify-full', caFile: certs.caFile })),
      /IP: 127\.0\.0\.1 is not in the cert|altnames/i,
    );
  });

  it('verify-ca (setting or sslmode in the URL) checks the chain but not the name', async () => {
    await connect(at('127.0.0.1'), { tlsMode: 'verify-ca', caFile: certs.caFile });
    await connect(at('127.0.0.1', '?sslmode=verify-ca'), { tlsMode: 'verify-full', caFile: certs.caFile });
    assert.match(
      await failure(connect(at('127.0.0.1', '?sslmode=verify-ca'), { tlsMode: 'verify-full' })),
      /self.signed|unable to verify|local issuer/i,
    );
  });

  it('sslmode=prefer in a URL does not weaken the default: the server is still verified', async () => {
    assert.match(
      await failure(connect(at('localhost', '?sslmode=prefer'), { tlsMode: 'verify-full' })),
      /self.signed|unable to verify|local issuer/i,
    );
  });

  it('TLS off is refused for a server on another machine, with what to do', () => {
    assert.throws(
      () => resolveTeamConnection('postgres://me:pw@db.example.com/chat?sslmode=disable', { tlsMode: 'verify-full' }, {}),
      /allowed only for a development server on this machine, not db\.example\.com.*verify-full/,
    );
    assert.throws(() => resolveTeamConnection('postgres://me:pw@10.0.0.5/chat', { tlsMode: 'disable' }, {}), /not 10\.0\.0\.5/);
  });
});

describe('a server that declines TLS and asks for the password in clear text', function () {
  this.timeout(30_000);
  const password = 'never-leaves-7Hq2';
  let fake: net.Server;
  let port: number;
  let received: Buffer;

  before(async () => {
    received = Buffer.alloc(0);
    fake = net.createServer((socket) => {
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk]);
        // SSLRequest (8 bytes, code 80877103): decline. Anything else: the startup message, answered with
        // AuthenticationCleartextPassword.
        if (chunk.length === 8 && chunk.readUInt32BE(4) === 80877103) socket.write('N');
        else socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    port = (fake.address() as net.AddressInfo).port;
  });

  after(() => new Promise<void>((r) => fake.close(() => r())));

  for (const tlsMode of ['verify-full', 'verify-ca', 'require', 'disable'] as const) {
    it(`${tlsMode}: the connection fails and the password never leaves`, async () => {
      received = Buffer.alloc(0);
      const message = await failure(connect(`postgres://me:${password}@127.0.0.1:${port}/chat`, { tlsMode }));
      assert.notEqual(message, 'connected');
      if (tlsMode === 'disable') assert.match(message, /asked for the password in clear text.*not sent/);
      assert.ok(!received.includes(Buffer.from(password)), 'the password reached the fake server');
      assert.ok(received.length > 0, 'the fake server was reached');
    });
  }
});
