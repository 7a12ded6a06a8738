// The local library's server, as the extension starts it (attachLocalServer): first-ever start
// (initdb), a later cold start (data kept), and a second process attaching to a running server;
// each up to the first page of the library. Also `hold`: keeps a seeded local library running
// for the view measurements (bench/extension.ts).
//   node --import tsx bench/local.ts              figures as JSON on stdout (last line)
//   node --import tsx bench/local.ts attach DIR   one attach, its time as JSON
//   node --import tsx bench/local.ts hold DIR EMAIL COUNT   attach, seed, print "ready", release on stdin end
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseClient } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { getUserResources } from '../src/db/queries';
import { ensureUser } from '../src/db/users';
import { attachLocalServer, connectionOptions, type LocalServerHandle } from '../src/storage/local/localServer';
import { prepareLibraryPaths } from '../src/storage/local/libraryPaths';
import { readPostmasterPid } from '../src/storage/local/postgresProcess';
import { isAlive } from '../src/storage/local/processes';
import { figure, ms, notMeasured, type Figure } from './lib/stats';

const root = join(__dirname, '..');
const migrations = join(root, 'migrations');
const email = 'bench-local@example.com';

interface Opened {
  handle: LocalServerHandle;
  close(): Promise<void>;
  userId: string;
  /** attach, migrate, user, first page: as StorageService.connectLocal and the tree's first request. */
  ms: number;
  phases: Record<string, number>;
}

/** What the extension does on first need: attach (start when needed), migrate, the user, the first page. */
async function open(home: string, userEmail = email): Promise<Opened> {
  const phases: Record<string, number> = {};
  let t = performance.now();
  const start = t;
  const lap = (name: string) => {
    const now = performance.now();
    phases[name] = now - t;
    t = now;
  };
  const handle = await attachLocalServer({ home, packageRoot: root });
  lap(handle.initialised ? 'initdb+start' : handle.started ? 'start' : 'attach');
  const options = connectionOptions(handle);
  const client = createDatabaseClient(undefined, options);
  try {
    await migrateDatabase(undefined, migrations, options);
    lap('migrate');
    const user = await ensureUser(client.db, userEmail);
    lap('user');
    await getUserResources(client.db, user.id, {});
    lap('first page');
    return {
      handle,
      userId: user.id,
      ms: performance.now() - start,
      phases,
      close: async () => {
        await client.close();
        await handle.release();
      },
    };
  } catch (err) {
    await client.close().catch(() => {});
    await handle.release().catch(() => {});
    throw err;
  }
}

/** A new library folder, as a new OS user's would be (the product makes it). */
function freshStorageDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'agent-resources-bench-local-')), 'agent-resources');
}

function serverPid(home: string): number | undefined {
  const info = readPostmasterPid(prepareLibraryPaths(home).dataDir);
  return typeof info === 'object' ? info.pid : undefined;
}

async function waitStopped(home: string): Promise<void> {
  const pid = serverPid(home);
  for (let i = 0; pid && i < 500 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
}

/** A second process (as a second VS Code window would be) attaching to the running server. */
function attachFromAnotherProcess(storageDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, 'attach', storageDir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve((JSON.parse(last) as { ms: number }).ms);
      } catch (err) {
        reject(new Error(`the attaching process failed: ${(err as Error).message} ${out.slice(-300)}`));
      }
    });
  });
}

async function figures(): Promise<{ figures: Figure[]; phases: Record<string, Record<string, number>[]> }> {
  const firstRuns = Number(process.env.BENCH_LOCAL_FIRST_RUNS ?? 3);
  const coldRuns = Number(process.env.BENCH_LOCAL_COLD_RUNS ?? 5);
  const attachRuns = Number(process.env.BENCH_LOCAL_ATTACH_RUNS ?? 5);
  const first: number[] = [];
  const cold: number[] = [];
  const attach: number[] = [];
  const phases: Record<string, Record<string, number>[]> = { first: [], cold: [] };
  const out: Figure[] = [];
  const dirs: string[] = [];
  try {
    for (let run = 0; run < firstRuns; run++) {
      const dir = freshStorageDir();
      dirs.push(dir);
      const opened = await open(dir);
      first.push(opened.ms);
      phases.first!.push(opened.phases);
      await opened.close();
      await waitStopped(dir);
    }
    // Cold starts and attaches on the last folder: the cluster exists, the server is stopped.
    const dir = dirs[dirs.length - 1]!;
    for (let run = 0; run < coldRuns; run++) {
      const opened = await open(dir);
      cold.push(opened.ms);
      phases.cold!.push(opened.phases);
      try {
        if (run < attachRuns) attach.push(await attachFromAnotherProcess(dir));
      } finally {
        await opened.close();
        await waitStopped(dir);
      }
    }
  } finally {
    for (const dir of dirs) {
      await waitStopped(dir);
      rmSync(prepareLibraryPaths(dir).clusterRoot, { recursive: true, force: true });
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  }
  out.push(figure('local.firstStart', 'first-ever local start (initdb, start, migrate, first page)', 'ms', first, ms(3000)));
  out.push(
    first.length
      ? figure('local.coldStart', 'later cold local start (server stopped, data kept)', 'ms', cold)
      : notMeasured('local.coldStart', 'later cold local start', 'ms', 'no cluster'),
  );
  out.push(figure('local.attach', 'second process attaching to the running server (+ migrate check, first page)', 'ms', attach));
  return { figures: out, phases };
}

async function main() {
  const [mode, dir, userEmail, count] = process.argv.slice(2);
  if (mode === 'attach') {
    const opened = await open(dir!);
    await opened.close();
    console.log(JSON.stringify({ ms: opened.ms, phases: opened.phases }));
    return;
  }
  if (mode === 'hold') {
    // The library the view shows: COUNT resources for the user, bulk-inserted.
    const opened = await open(dir!, userEmail);
    const options = connectionOptions(opened.handle);
    const client = createDatabaseClient(undefined, options);
    try {
      await client.sql.unsafe(
        `insert into resource (user_id, name, description, resource_type, content, pinned, updated_at)
         select $1, 'Local resource ' || i, 'Seeded by the bench', (array['prompt','workflow','agent_config'])[1 + i % 3],
                '{"text": "hello"}'::jsonb || jsonb_build_object('steps', jsonb_build_array(jsonb_build_object('text', 'step')), 'config', '{}'::jsonb),
                i % 40 = 0, localtimestamp - make_interval(secs => i)
         from generate_series(1, $2::int) i`,
        [opened.userId, Number(count ?? 1000)],
      );
    } finally {
      await client.close();
    }
    console.log(JSON.stringify({ ready: true, pid: process.pid, serverPid: serverPid(dir!) }));
    // Holds the server (a client registered under clients/) until stdin closes.
    process.stdin.resume();
    await new Promise((resolve) => process.stdin.once('end', resolve).once('close', resolve));
    await opened.close();
    return;
  }
  const result = await figures();
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[local] failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
