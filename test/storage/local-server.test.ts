import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseClient } from '../../src/db/client';
import { withFileLock } from '../../src/storage/local/fileLock';
import { attachLocalServer, connectionOptions, type LocalServerHandle } from '../../src/storage/local/localServer';
import { prepareLibraryPaths } from '../../src/storage/local/libraryPaths';
import { readPostmasterPid } from '../../src/storage/local/postgresProcess';
import { isAlive } from '../../src/storage/local/processes';

const packageRoot = process.cwd();
const isRoot = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function worker(home: string, rows: number, label: string, hold = false) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/storage/attach-worker.ts', home, String(rows), label, hold ? 'hold' : ''],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const report = new Promise<{ pid: number; started: boolean }>((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d))));
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return { child, report, exited, finish: () => child.stdin.end('go\n') };
}

const connect = (h: LocalServerHandle) => createDatabaseClient(undefined, { ...connectionOptions(h), max: 2 });
const postmaster = (h: LocalServerHandle) => readPostmasterPid(h.paths.dataDir);

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(50)) if (check()) return;
  assert.fail(`timed out waiting for ${what}`);
}

describe('local library server', () => {
  const homes: string[] = [];
  const handles: LocalServerHandle[] = [];
  const clusterRoots = new Set<string>();
  const newHome = () => {
    const home = join(mkdtempSync(join(tmpdir(), 'agent-resources-home-')), 'agent-resources');
    homes.push(home);
    return home;
  };
  const attach = async (home: string) => {
    const handle = await attachLocalServer({ home, packageRoot, idleMs: 1000 });
    clusterRoots.add(handle.paths.clusterRoot);
    return handle;
  };
  /** A library whose `writes` table exists (made before any worker starts, so they never race on it), server stopped. */
  const homeWithWritesTable = async () => {
    const home = newHome();
    const setup = await attach(home);
    const client = connect(setup);
    await client.sql`create table writes (label text, n int, primary key (label, n))`;
    await client.close();
    await setup.release();
    return home;
  };
  after(async () => {
    for (const h of handles) await h.release().catch(() => {});
    for (const root of clusterRoots) {
      const info = readPostmasterPid(join(root, 'pgdata'));
      if (typeof info === 'object' && isAlive(info.pid)) process.kill(info.pid, 'SIGINT');
    }
    await sleep(500);
    for (const dir of [...homes.map((h) => join(h, '..')), ...clusterRoots]) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the cluster on first start, then starts it again from the same data folder with the rows kept', async () => {
    const home = newHome();
    const first = await attach(home);
    assert.equal(first.initialised, true);
    assert.equal(first.started, true);
    const client = connect(first);
    await client.sql`create table kept (v text)`;
    await client.sql`insert into kept values ('survives restarts')`;
    await client.close();
    await first.release();
    assert.equal(postmaster(first), undefined, 'the last release stopped the server');
    const second = await attach(home);
    handles.push(second);
    assert.equal(second.initialised, false);
    assert.equal(second.started, true);
    const again = connect(second);
    assert.deepEqual([...(await again.sql`select v from kept`)], [{ v: 'survives restarts' }]);
    await again.close();
  });

  it('loosens no folder it did not make; as root the cluster belongs to the OS user postgres, outside the 0700 home', async () => {
    const home = newHome();
    const parentMode = statSync(join(home, '..')).mode & 0o777;
    const handle = await attach(home);
    handles.push(handle);
    assert.equal(statSync(join(home, '..')).mode & 0o777, parentMode);
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(statSync(handle.paths.socketDir).mode & 0o777, 0o700, 'the socket folder is private');
    assert.equal(statSync(handle.paths.logFile).mode & 0o777, 0o600, 'the server log is private');
    const owner = statSync(handle.paths.dataDir).uid;
    if (isRoot) {
      assert.ok(!handle.paths.dataDir.startsWith(home), `the cluster is outside the home: ${handle.paths.dataDir}`);
      assert.equal(owner, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout));
      // The package may sit in a 0700 home too (/root/.vscode-server): the server runs a reachable copy.
      assert.ok(readlinkSync(`/proc/${handle.pid}/exe`).startsWith('/var/lib/agent-resources/postgres-'));
    } else {
      assert.equal(handle.paths.dataDir, join(home, 'pgdata'));
      assert.equal(owner, process.getuid!());
    }
  });

  it('listens on its private socket only, and the server sees none of our environment (no PGPASSWORD)', async () => {
    const home = newHome();
    process.env.PGPASSWORD = 'must-not-leak-123';
    let handle: LocalServerHandle;
    try {
      handle = await attach(home);
    } finally {
      delete process.env.PGPASSWORD;
    }
    handles.push(handle);
    const client = connect(handle);
    const [row] = await client.sql<{ listen: string }[]>`select current_setting('listen_addresses') as listen`;
    await client.close();
    assert.equal(row!.listen, '', 'no TCP port');
    const environment = readFileSync(`/proc/${handle.pid}/environ`, 'utf8');
    assert.ok(!environment.includes('must-not-leak-123'));
  });

  it('its supervisor gets the same minimal environment: PATH, LC_ALL, TZ, nothing of ours', async () => {
    const home = newHome();
    process.env.PGPASSWORD = 'must-not-leak-456';
    let handle: LocalServerHandle;
    try {
      handle = await attach(home);
    } finally {
      delete process.env.PGPASSWORD;
    }
    handles.push(handle);
    const environmentOf = (pid: string) =>
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((v) => v.split('=')[0])
        .sort();
    await until('the supervisor to record itself', () => existsSync(join(home, 'supervisor')));
    const supervisor = readFileSync(join(home, 'supervisor'), 'utf8').split(':')[0]!;
    assert.ok(!readFileSync(`/proc/${supervisor}/environ`, 'utf8').includes('must-not-leak-456'));
    assert.deepEqual(environmentOf(supervisor), ['ELECTRON_RUN_AS_NODE', 'LC_ALL', 'PATH', 'TZ']);
    assert.deepEqual(environmentOf(String(handle.pid)), ['LC_ALL', 'PATH', 'TZ']);
  });

  it("keeps no failing row's content in its log (duplicate key, check, not-null, JSON, too long), and the log stays 0600", async () => {
    const home = newHome();
    const handle = await attach(home);
    handles.push(handle);
    const client = connect(handle);
    const marker = 'row-content-4c1d';
    await client.sql.unsafe(
      `create table private_rows (id int primary key, name varchar(20) not null, doc jsonb, check (name <> '${marker}'))`,
    );
    const doc = JSON.stringify({ text: marker });
    await client.sql`insert into private_rows values (1, 'first', ${doc}::jsonb)`;
    const failures = [
      client.sql`insert into private_rows values (1, 'dup', ${doc}::jsonb)`,
      client.sql`insert into private_rows (id, name) values (2, ${marker})`,
      client.sql`insert into private_rows (id, name, doc) values (3, null, ${doc}::jsonb)`,
      client.sql`insert into private_rows (id, name, doc) values (4, 'x', ${`{"text": ${marker}}`}::jsonb)`,
      client.sql`insert into private_rows (id, name) values (5, ${`${marker}-and-longer`})`,
      client.sql`insert into private_rows (id, name, doc) values (6, 'x', ${`{"text": "\\u0000${marker}"}`}::jsonb)`,
    ];
    const settled = await Promise.allSettled(failures);
    assert.deepEqual(
      settled.map((r) => r.status),
      failures.map(() => 'rejected'),
      'every statement failed',
    );
    await client.close();
    const log = readFileSync(handle.paths.logFile, 'utf8');
    assert.match(log, /duplicate key value violates unique constraint/, 'the failures are logged');
    assert.ok(
      !log.includes(marker),
      `the log holds no row content:\n${log
        .split('\n')
        .filter((l) => l.includes(marker))
        .join('\n')}`,
    );
    assert.equal(statSync(handle.paths.logFile).mode & 0o777, 0o600);
  });

  it('a window preparing the library never empties the access rules a starting server reads (it refused to start so once in CI)', async () => {
    const paths = prepareLibraryPaths(newHome());
    clusterRoots.add(paths.clusterRoot);
    const rules = readFileSync(paths.hbaFile, 'utf8');
    // Another process reads the rules as a starting server does, as fast as it can, while this one
    // prepares the library again and again (as each window and agent does before taking the start lock).
    const reader = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); let reads = 0, wrong = 0; process.stdout.write('ready\\n');
         for (const end = Date.now() + 1500; Date.now() < end; reads++) if (fs.readFileSync(process.argv[1], 'utf8') !== process.argv[2]) wrong++;
         process.stdout.write(JSON.stringify({ reads, wrong }));`,
        paths.hbaFile,
        rules,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    reader.stdout.on('data', (d) => (out += d));
    await until('the reader to start', () => out.startsWith('ready'));
    for (const end = Date.now() + 1000; Date.now() < end;) prepareLibraryPaths(paths.home);
    await new Promise((r) => reader.once('exit', r));
    const { reads, wrong } = JSON.parse(out.slice('ready\n'.length)) as { reads: number; wrong: number };
    assert.ok(reads > 1000, `the reader read ${reads} times`);
    assert.equal(wrong, 0, `${wrong} of ${reads} reads found the access rules empty or partial`);
  });

  it('lets two processes start it at once, one server for both, and write at the same time without losing a row', async () => {
    const home = await homeWithWritesTable();
    const a = worker(home, 200, 'a', true);
    const b = worker(home, 200, 'b', true);
    const [ra, rb] = await Promise.all([a.report, b.report]);
    assert.equal(ra.pid, rb.pid, 'one server for both');
    assert.equal([ra.started, rb.started].filter(Boolean).length, 1, 'exactly one of them started it');
    const mine = await attach(home);
    const check = connect(mine);
    const counts = await check.sql<
      { label: string; count: number }[]
    >`select label, count(*)::int as count from writes group by label order by label`;
    assert.deepEqual(
      [...counts],
      [
        { label: 'a', count: 200 },
        { label: 'b', count: 200 },
      ],
    );
    await check.close();
    a.finish();
    b.finish();
    assert.deepEqual(await Promise.all([a.exited, b.exited]), [0, 0]);
    assert.ok(postmaster(mine), 'still running: this process is attached');
    await mine.release();
    assert.equal(postmaster(mine), undefined, 'stopped when the last process released it');
  });

  it('stops by itself once every attached process was killed, and the next one starts it again', async () => {
    const home = await homeWithWritesTable();
    const workers = ['a', 'b', 'c', 'd'].map((label) => worker(home, 1, label, true));
    const reports = await Promise.all(workers.map((w) => w.report));
    for (const w of workers) w.child.kill('SIGKILL');
    await until('the server to stop by itself', () => !isAlive(reports[0]!.pid));
    assert.deepEqual(readdirSync(join(home, 'clients')), [], 'the killed clients are forgotten');
    const next = await attach(home);
    handles.push(next);
    assert.equal(next.started, true);
  });

  it('leaves no server behind when its library folder is deleted while no one is attached', async () => {
    const home = await homeWithWritesTable();
    const held = worker(home, 1, 'a', true);
    const { pid } = await held.report;
    held.child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
    await until('the server to stop', () => !isAlive(pid));
  });

  it('recovers at once a start lock left by a dead process or holding garbage, and forgets a dead client', async () => {
    const home = newHome();
    const lockDir = join(home, 'start.lock');
    for (const owner of ['999999:1', 'garbage', '']) {
      mkdirSync(lockDir, { recursive: true });
      writeFileSync(join(lockDir, 'owner'), owner);
      // Without recovery this would wait for the owner until the timeout.
      await withFileLock(lockDir, async () => {}, { timeoutMs: 2000 });
    }
    mkdirSync(join(home, 'clients'), { recursive: true });
    writeFileSync(join(home, 'clients', '999998'), '999998:1');
    const handle = await attach(home);
    assert.ok(!existsSync(lockDir), 'the lock was released');
    await handle.release();
    assert.deepEqual(readdirSync(join(home, 'clients')), [], 'the dead client does not keep the server alive');
    assert.equal(postmaster(handle), undefined);
  });

  it('restarts a server killed with SIGKILL, with every committed row there', async () => {
    const home = newHome();
    const first = await attach(home);
    const client = connect(first);
    await client.sql`create table committed (n int)`;
    await client.sql`insert into committed select generate_series(1, 1000)`;
    await client.close();
    process.kill(first.pid, 'SIGKILL');
    const second = await attach(home);
    handles.push(second);
    assert.equal(second.started, true, 'a new server was started');
    assert.notEqual(second.pid, first.pid);
    const again = connect(second);
    assert.deepEqual([...(await again.sql`select count(*)::int as n from committed`)], [{ n: 1000 }]);
    await again.close();
  });

  it('never re-initialises a cluster: with every file beside the data folder gone, the rows are still there', async () => {
    const home = newHome();
    const first = await attach(home);
    const client = connect(first);
    await client.sql`create table precious (v text)`;
    await client.sql`insert into precious values ('my library')`;
    await client.close();
    await first.release();
    for (const name of readdirSync(home)) if (name !== 'pgdata') rmSync(join(home, name), { recursive: true, force: true });
    for (const name of readdirSync(first.paths.clusterRoot))
      if (name !== 'pgdata') rmSync(join(first.paths.clusterRoot, name), { recursive: true, force: true });
    const second = await attach(home);
    handles.push(second);
    assert.equal(second.initialised, false);
    const again = connect(second);
    assert.deepEqual([...(await again.sql`select v from precious`)], [{ v: 'my library' }]);
    await again.close();
  });

  it('moves a data folder that holds files but no cluster aside, untouched, and creates the cluster beside it', async () => {
    const home = newHome();
    const probe = await attach(home);
    await probe.release();
    const { clusterRoot, dataDir } = probe.paths;
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'half-restored-backup.txt'), 'do not delete me');
    const handle = await attach(home);
    handles.push(handle);
    assert.equal(handle.initialised, true);
    const aside = readdirSync(clusterRoot).find((n) => n.startsWith('pgdata.incomplete-'));
    assert.ok(aside, 'moved aside');
    assert.equal(readFileSync(join(clusterRoot, aside, 'half-restored-backup.txt'), 'utf8'), 'do not delete me');
  });

  it('is not fooled by a stale postmaster.pid naming an unrelated live process, or holding garbage, and never signals that process', async () => {
    const home = newHome();
    const first = await attach(home);
    await first.release();
    const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      for (const content of [`${unrelated.pid}\n${first.paths.dataDir}\n1700000000\n5432\n\n\n0 0\nready   \n`, 'garbage\n']) {
        writeFileSync(join(first.paths.dataDir, 'postmaster.pid'), content);
        const handle = await attach(home);
        assert.notEqual(handle.pid, unrelated.pid);
        const client = connect(handle);
        const [row] = await client.sql<{ dir: string }[]>`select current_setting('data_directory') as dir`;
        await client.close();
        assert.equal(row!.dir, first.paths.dataDir, 'connected to our own cluster');
        await handle.release();
        assert.ok(isAlive(unrelated.pid!), 'the unrelated process was left alone');
      }
    } finally {
      unrelated.kill('SIGKILL');
    }
  });

  it('serialises work under the file lock across concurrent callers', async () => {
    const lockDir = join(newHome(), 'lock');
    mkdirSync(join(lockDir, '..'), { recursive: true });
    const order: string[] = [];
    await Promise.all(
      ['one', 'two', 'three'].map((name) =>
        withFileLock(lockDir, async () => {
          order.push(`${name}:in`);
          await sleep(30);
          order.push(`${name}:out`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2)
      assert.equal(order[i]!.split(':')[0], order[i + 1]!.split(':')[0], `no overlap: ${order.join(' ')}`);
  });

  it('says what to do when the library folder cannot be written', async function () {
    this.timeout(30_000);
    const parent = mkdtempSync(join(tmpdir(), 'agent-resources-readonly-'));
    homes.push(join(parent, 'x'));
    // As root every folder is writable: the check runs as the unprivileged OS user nobody.
    const asUser = isRoot ? { uid: 65534, gid: 65534 } : {};
    const code = `Promise.resolve(require('./src/storage/local/localServer.ts')).then((m) => m.attachLocalServer({ home: ${JSON.stringify(join(parent, 'library'))}, packageRoot: process.cwd() })).then(() => console.log('attached'), (e) => console.log(e.message))`;
    spawnSync('chmod', [isRoot ? '0755' : '0500', parent]);
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
      encoding: 'utf8',
      ...asUser,
      env: { ...process.env, HOME: parent },
    });
    spawnSync('chmod', ['0700', parent]);
    assert.match(child.stdout, /The local library's folder .* cannot be written \(EACCES\)\. .*AGENT_RESOURCES_HOME/, child.stderr);
  });
});
