import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseClient } from '../../src/db/client';
import { withFileLock } from '../../src/storage/local/fileLock';
import { attachLocalServer, connectionOptions, type LocalServerHandle } from '../../src/storage/local/localServer';
import { isAlive, postgresBinDir, readPostmasterPid } from '../../src/storage/local/postgresProcess';

const binDir = postgresBinDir(process.cwd());

function storageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-resources-storage-'));
  chmodSync(dir, 0o755);
  return dir;
}

function worker(dir: string, rows: number, label: string, hold = false) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/storage/attach-worker.ts', dir, String(rows), label, hold ? 'hold' : ''], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const report = new Promise<{ port: number; started: boolean }>((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d))));
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return { child, report, exited, finish: () => child.stdin.end('go\n') };
}

const connect = (h: LocalServerHandle) => createDatabaseClient(undefined, { ...connectionOptions(h), max: 2 });

describe('local library server', () => {
  const dirs: string[] = [];
  const handles: LocalServerHandle[] = [];
  const newDir = () => {
    const dir = storageDir();
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    for (const h of handles) await h.release().catch(() => {});
    for (const dir of dirs) {
      const info = readPostmasterPid(join(dir, 'pgdata'));
      if (info && isAlive(info.pid)) process.kill(info.pid, 'SIGINT');
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the cluster on first start, then starts it again from the same data folder with the rows kept', async () => {
    const dir = newDir();
    const first = await attachLocalServer({ storageDir: dir, binDir });
    assert.equal(first.initialised, true);
    assert.equal(first.started, true);
    const client = connect(first);
    await client.sql`create table kept (v text)`;
    await client.sql`insert into kept values ('survives restarts')`;
    await client.close();
    await first.release();
    assert.equal(readPostmasterPid(join(dir, 'pgdata')), undefined, 'the last release stopped the server');
    const second = await attachLocalServer({ storageDir: dir, binDir });
    handles.push(second);
    assert.equal(second.initialised, false);
    assert.equal(second.started, true);
    const again = connect(second);
    assert.deepEqual([...(await again.sql`select v from kept`)], [{ v: 'survives restarts' }]);
    await again.close();
  });

  it('lets two processes attach to one server and write at the same time without losing a row', async () => {
    const dir = newDir();
    const a = worker(dir, 200, 'a', true);
    const b = worker(dir, 200, 'b', true);
    const [ra, rb] = await Promise.all([a.report, b.report]);
    assert.equal(ra.port, rb.port, 'one server for both');
    assert.equal([ra.started, rb.started].filter(Boolean).length, 1, 'exactly one of them started it');
    const mine = await attachLocalServer({ storageDir: dir, binDir });
    const client = connect(mine);
    const counts = await client.sql<{ label: string; count: number }[]>`select label, count(*)::int as count from writes group by label order by label`;
    assert.deepEqual([...counts], [{ label: 'a', count: 200 }, { label: 'b', count: 200 }]);
    await client.close();
    a.finish();
    b.finish();
    assert.deepEqual(await Promise.all([a.exited, b.exited]), [0, 0]);
    assert.ok(readPostmasterPid(join(dir, 'pgdata')), 'still running: this process is attached');
    await mine.release();
    assert.equal(readPostmasterPid(join(dir, 'pgdata')), undefined, 'stopped when the last process released it');
  });

  it('recovers a stale start lock and a stale client left by dead processes', async () => {
    const dir = newDir();
    mkdirSync(join(dir, 'start.lock'), { recursive: true });
    writeFileSync(join(dir, 'start.lock', 'owner'), '999999');
    mkdirSync(join(dir, 'clients'), { recursive: true });
    writeFileSync(join(dir, 'clients', '999998'), '1');
    const handle = await attachLocalServer({ storageDir: dir, binDir });
    assert.ok(!existsSync(join(dir, 'start.lock')), 'the lock was taken over and released');
    await handle.release();
    assert.deepEqual(readdirSync(join(dir, 'clients')), [], 'the dead client does not keep the server alive');
    assert.equal(readPostmasterPid(join(dir, 'pgdata')), undefined);
  });

  it('restarts a server killed with SIGKILL, with every committed row there', async () => {
    const dir = newDir();
    const first = await attachLocalServer({ storageDir: dir, binDir });
    const client = connect(first);
    await client.sql`create table committed (n int)`;
    await client.sql`insert into committed select generate_series(1, 1000)`;
    await client.close();
    const { pid } = readPostmasterPid(join(dir, 'pgdata'))!;
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const second = await attachLocalServer({ storageDir: dir, binDir });
    handles.push(second);
    assert.equal(second.started, true, 'a new server was started');
    assert.notEqual(readPostmasterPid(join(dir, 'pgdata'))!.pid, pid);
    const again = connect(second);
    assert.deepEqual([...(await again.sql`select count(*)::int as n from committed`)], [{ n: 1000 }]);
    await again.close();
  });

  it('serialises work under the file lock across concurrent callers', async () => {
    const dir = newDir();
    const order: string[] = [];
    await Promise.all(
      ['one', 'two', 'three'].map((name) =>
        withFileLock(join(dir, 'lock'), async () => {
          order.push(`${name}:in`);
          await new Promise((r) => setTimeout(r, 30));
          order.push(`${name}:out`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2) assert.equal(order[i]!.split(':')[0], order[i + 1]!.split(':')[0], `no overlap: ${order.join(' ')}`);
  });
});
