import assert from 'node:assert/strict';
import { redact } from '../../src/common/redact';
import {
  classifyConnectionError,
  describeConnectionError,
  type ConnectionProblem,
  type ConnectionTarget,
} from '../../src/library/connectionErrors';
import { failOnUnhandledRejection } from '../db/support/unhandled';

/** Passwords with the characters that break naive redaction; none shares five characters with the text around it. */
const passwords = [
  'hunter2-Zq9',
  'p@ss:w/rd!',
  'pa ss wörd',
  '😀-sëcret',
  `it's"Q"x`,
  'back\\slash%41',
  'semi;colon&x=1#frag',
  '100%pure',
  'P+lus Sign',
];

/** Percent-encoding with lower-case hex digits (%2f rather than %2F): the same URL. */
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

/** Every way a password is commonly spelled in a URL or a log line. */
function spellings(password: string): string[] {
  const url = new URL('postgres://app@db.example.com/chat');
  url.password = password;
  const encoded = encodeURIComponent(password);
  return [...new Set([password, encoded, lowerHex(encoded), url.password, encoded.replace(/%20/g, '+'), password.replace(/@/g, '%40')])];
}

/** Texts that carry the password; `patterned`: redact() must find it even when not told the password. */
function forms(password: string): { text: string; patterned: boolean }[] {
  const encoded = encodeURIComponent(password);
  const url = new URL('postgres://app@db.example.com:5432/chat');
  url.password = password;
  const noSpace = !/\s/.test(password);
  const libpqQuoted = `'${password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return [
    { text: `postgres://app:${encoded}@db.example.com:5432/chat`, patterned: true },
    { text: `postgresql://app:${encoded}@[::1]:6543/chat?sslmode=require`, patterned: true },
    { text: url.toString(), patterned: true },
    { text: `POSTGRES://app:${lowerHex(encoded)}@db/chat`, patterned: true },
    { text: `postgres://:${encoded}@db/chat`, patterned: true },
    { text: `postgres://app:${password}@db:5432/chat`, patterned: noSpace },
    {
      text: `could not connect to postgres://app:${encoded}@db.example.com:5432/chat: password authentication failed for user "app"`,
      patterned: true,
    },
    { text: `postgres://app@db/chat?password=${encoded}&sslmode=disable`, patterned: true },
    { text: `host=db user=app password=${password} dbname=chat`, patterned: noSpace },
    { text: `host=db password=${libpqQuoted} user=app`, patterned: true },
    { text: `{"host":"db","password":${JSON.stringify(password)},"user":"app"}`, patterned: true },
    { text: `PGPASSWORD=${password} psql`, patterned: noSpace },
    { text: `password: ${JSON.stringify(password)}`, patterned: true },
    { text: `authentication failed for ${password} (bare)`, patterned: false },
    { text: `bare encoded ${lowerHex(encoded)} and ${encoded}`, patterned: false },
  ];
}

/** Whether `out` shows the password in any spelling, or five characters of it in a row. */
function leak(out: string, password: string): string | undefined {
  for (const spelling of spellings(password)) if (out.includes(spelling)) return spelling;
  const chars = [...password];
  for (let i = 0; i + 5 <= chars.length; i++) {
    const window = chars.slice(i, i + 5).join('');
    if (out.includes(window)) return window;
  }
  return undefined;
}

/** An error of each kind classifyConnectionError knows, carrying `text` in its message. */
function errorsCarrying(text: string): [ConnectionProblem, unknown][] {
  const coded = (code: string, message = text) => Object.assign(new Error(message), { code });
  const wrapped = (cause: unknown) => Object.assign(new Error(`Failed query: select 1\nparams: ${text}`), { cause });
  return [
    ['refused', coded('ECONNREFUSED', `connect ECONNREFUSED ${text}`)],
    ['dns', coded('ENOTFOUND', `getaddrinfo ENOTFOUND ${text}`)],
    ['timeout', coded('CONNECT_TIMEOUT', `write CONNECT_TIMEOUT ${text}`)],
    ['unreachable', coded('EHOSTUNREACH')],
    ['auth', coded('28P01', `password authentication failed: ${text}`)],
    ['database-missing', wrapped(coded('3D000'))],
    ['tls', new Error(`self-signed certificate in certificate chain: ${text}`)],
    ['lost', wrapped(coded('CONNECTION_CLOSED', `write CONNECTION_CLOSED ${text}`))],
    ['other', new Error(`syntax error near ${text}`)],
    ['other', text],
    ['other', { message: text }],
  ];
}

describe('secrets: redact() and describeConnectionError() never show a password', () => {
  failOnUnhandledRejection();
  const target: ConnectionTarget = { host: 'db.example.com', port: 5432, user: 'app', database: 'chat' };
  let checked = 0;
  after(() => console.log(`      secrets: ${checked} redacted texts checked for ${passwords.length} passwords`));

  for (const password of passwords) {
    it(`password ${JSON.stringify(password)}: no spelling of it survives, in any form or error kind`, () => {
      const connectionString = `postgres://app:${encodeURIComponent(password)}@db.example.com:5432/chat`;
      for (const { text, patterned } of forms(password)) {
        // Told the secrets, as the extension does (the password and the whole connection string).
        for (const secrets of [[password], [password, connectionString]]) {
          const out = redact(text, secrets);
          checked++;
          assert.equal(leak(out, password), undefined, `redact(${JSON.stringify(text)}) gave ${JSON.stringify(out)}`);
        }
        // Not told: connection URLs and password=… settings are still recognised.
        if (patterned) {
          const out = redact(text);
          checked++;
          assert.equal(leak(out, password), undefined, `redact(${JSON.stringify(text)}) without the secret gave ${JSON.stringify(out)}`);
        }
        for (const [problem, err] of errorsCarrying(text)) {
          assert.equal(classifyConnectionError(err), problem, `${JSON.stringify(err)} is ${problem}`);
          for (const where of [target, undefined]) {
            const described = describeConnectionError(err, where, [password, connectionString]);
            checked++;
            assert.equal(described.problem, problem);
            assert.equal(leak(described.message, password), undefined, `${problem}: ${described.message}`);
            if (patterned) {
              const unaided = describeConnectionError(err, where);
              checked++;
              assert.equal(leak(unaided.message, password), undefined, `${problem} without the secret: ${unaided.message}`);
            }
          }
        }
      }
    });
  }

  it('redaction keeps what is not secret: user, host, port, database and the reason', () => {
    const out = redact('could not connect to postgres://app:hunter2-Zq9@db.example.com:5432/chat: timeout', ['hunter2-Zq9']);
    assert.equal(out, 'could not connect to postgres://app:***@db.example.com:5432/chat: timeout');
    assert.equal(redact("host=db password='it\\'s' user=app"), 'host=db password=*** user=app');
    assert.equal(redact('{"password":"x\\"y","user":"app"}'), '{"password":***,"user":"app"}');
    const described = describeConnectionError(
      Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' }),
      { host: 'db', port: 5432, user: 'app' },
      ['hunter2-Zq9'],
    );
    assert.equal(
      described.message,
      'The database at db:5432 rejected the user name or password for user "app". Connect again with the right credentials.',
    );
  });

  it('a password with a raw @ in a URL is removed whole, not cut at its first @', () => {
    assert.equal(redact('postgres://app:p@ss@db/chat'), 'postgres://app:***@db/chat');
    assert.equal(redact('postgres://app:p@ss@db/chat', ['p@ss']), 'postgres://app:***@db/chat');
  });

  it('short passwords (under 3 characters) are still removed from URLs and settings', () => {
    for (const password of ['x', 'ab']) {
      assert.equal(redact(`postgres://app:${password}@db/chat`, [password]), 'postgres://app:***@db/chat');
      assert.equal(redact(`password=${password} host=db`, [password]), 'password=*** host=db');
    }
  });
});
