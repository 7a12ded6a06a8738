// A newcomer of the newcomer suite: an OS account (root with a fresh HOME, or a brand-new OS user)
// that runs commands with nothing but HOME and PATH in its environment, as a fresh login would,
// each command in its own process group, its output kept for the report.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
const STOP_GRACE_MS = 10_000;
const KEPT_LINES = 2000;
// As root, the product keeps the local Postgres cluster here (owned by the OS user postgres).
const ROOT_CLUSTERS = '/var/lib/agent-resources/clusters';
const PRODUCT_LOGS = new Set(['Agent Resources.log', 'postgres.log']);
const SKIPPED_DIRS = new Set(['node_modules', 'agent-resources-test-host']);

export const sleep = (/** @type {number} */ ms) => new Promise((done) => setTimeout(done, ms));

/** Quotes a word for bash. @param {string} word */
export const sh = (word) => `'${word.replaceAll("'", "'\\''")}'`;

export class Newcomer {
  /**
   * @param {{ kind: string, home: string, user?: string, logFile: string, progress: (line: string) => void }} options
   */
  constructor({ kind, home, user, logFile, progress }) {
    this.kind = kind;
    this.home = home;
    this.user = user;
    this.logFile = logFile;
    this.progress = progress;
    /** @type {string[]} the last lines its commands printed */
    this.output = [];
    /** @type {Set<(line: string) => void>} called with every line recorded */
    this.watchers = new Set();
    /** @type {Set<number>} process groups it started that may still run */
    this.groups = new Set();
    /** @type {Set<string>} its Postgres clusters under ROOT_CLUSTERS, removed at the end */
    this.clusters = new Set();
    /** @type {{ page: import('playwright-core').Page, close: () => Promise<void> } | undefined} the test's browser, for this newcomer */
    this.browser = undefined;
    this.step = 'creating the newcomer';
    this.abandoned = false; // set when its case ended: nothing more is started for it
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, '');
  }

  /** Root with a brand-new HOME (mkdtemp: 0700) and nothing in it. @param {Omit<ConstructorParameters<typeof Newcomer>[0], 'home'>} options */
  static root(options) {
    return new Newcomer({ ...options, home: mkdtempSync(join(tmpdir(), `ar-newcomer-${options.kind}-`)) });
  }

  /**
   * A brand-new OS user, home 0700 as Debian's adduser makes it (useradd alone follows the umask).
   * @param {Omit<ConstructorParameters<typeof Newcomer>[0], 'home' | 'user'>} options
   */
  static osUser(options) {
    const user = `ar-new-${randomBytes(4).toString('hex')}`;
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', '--key', 'HOME_MODE=0700', user], { stdio: 'pipe' });
    return new Newcomer({ ...options, user, home: `/home/${user}` });
  }

  get copy() {
    return join(this.home, 'agent-resources');
  }

  /** @param {string} line */
  record(line) {
    appendFileSync(this.logFile, `${line}\n`);
    this.output.push(line);
    for (const watch of this.watchers) watch(line);
    if (this.output.length > KEPT_LINES) this.output.splice(0, this.output.length - KEPT_LINES);
  }

  /** @param {number} count */
  tail(count) {
    return this.output.slice(-count);
  }

  /**
   * Runs `fn` as the named step of the case: the step shows in a timeout's message and in its error.
   * @template T @param {string} what @param {() => Promise<T> | T} fn @returns {Promise<T>}
   */
  async act(what, fn) {
    if (this.abandoned) throw new Error(`not started (the case had ended): ${what}`);
    this.step = what;
    const started = Date.now();
    this.record(`--- ${what}`);
    try {
      const result = await fn();
      this.progress(`${what} (${seconds(started)} s)`);
      return result;
    } catch (err) {
      throw new Error(`${what}: ${firstLine(/** @type {Error} */ (err).message)}`, { cause: err });
    }
  }

  /**
   * The command line that runs a bash script as this newcomer: `env -i`, then HOME and PATH only.
   * @param {string} script @param {{ home?: string }} [as] another HOME (a root newcomer's)
   */
  command(script, { home = this.home } = {}) {
    const clean = ['env', '-i', `HOME=${home}`, `PATH=${SYSTEM_PATH}`, 'bash', '-c', script];
    return this.user ? ['runuser', '-u', this.user, '--', ...clean] : clean;
  }

  /** Starts a script in its own process group, its output recorded. @param {string} script @param {{ home?: string }} [as] */
  spawn(script, as) {
    if (this.abandoned) throw new Error('the case had ended');
    const [cmd, ...args] = this.command(script, as);
    this.record(`$ ${script}`);
    const child = spawn(/** @type {string} */ (cmd), args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) this.groups.add(child.pid);
    let pending = '';
    const onData = (/** @type {Buffer} */ chunk) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.record(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('close', () => {
      if (pending) this.record(pending);
    });
    return child;
  }

  /** Runs a script to its end; rejects when it fails. @param {string} script @param {{ home?: string }} [as] */
  async run(script, as) {
    const child = this.spawn(script, as);
    /** @type {[number | null, string | null]} */
    const [code, signal] = await new Promise((done, fail) => {
      child.once('error', fail);
      child.once('exit', (c, s) => done([c, s]));
    });
    if (child.pid) await this.stop(child.pid); // whatever it left behind in its group
    if (code !== 0) throw new Error(`\`${script}\` failed (${signal ?? `exit ${code}`})`);
  }

  /**
   * Starts a long-running script; resolves with its process group and the first output matching
   * `ready`, rejects if it exits before.
   * @param {string} script @param {RegExp} ready
   * @returns {Promise<{ pgid: number, match: string, exited: Promise<void> }>}
   */
  serve(script, ready) {
    const child = this.spawn(script);
    /** @type {Promise<void>} */
    const exited = new Promise((done) => child.once('exit', () => done()));
    return new Promise((done, fail) => {
      const watch = (/** @type {string} */ line) => {
        const match = line.match(ready);
        if (!match || !child.pid) return;
        this.watchers.delete(watch);
        done({ pgid: child.pid, match: match[0], exited });
      };
      this.watchers.add(watch);
      child.once('error', fail);
      child.once('exit', (code, signal) => {
        this.watchers.delete(watch);
        fail(new Error(`\`${script}\` exited (${signal ?? `exit ${code}`}) before it was ready`));
      });
    });
  }

  /** Stops a process group as a person would: Ctrl+C (SIGINT), then SIGKILL after 10 s. @param {number} pgid */
  async stop(pgid) {
    for (const [signal, waitMs] of /** @type {const} */ ([
      ['INT', STOP_GRACE_MS],
      ['KILL', 2000],
    ])) {
      if (!groupAlive(pgid)) break;
      this.signal(pgid, signal);
      await until(() => !groupAlive(pgid), waitMs);
    }
    if (groupAlive(pgid)) signalAsRoot(-pgid, 'SIGKILL'); // e.g. a root-owned runuser parent
    this.groups.delete(pgid);
  }

  /** Signals a process group as this newcomer. @param {number} pgid @param {'INT' | 'KILL'} signal */
  signal(pgid, signal) {
    if (!this.user) signalAsRoot(-pgid, `SIG${signal}`);
    else spawnSync('runuser', ['-u', this.user, '--', 'kill', `-${signal}`, '--', `-${pgid}`], { stdio: 'ignore' });
  }

  async stopAll() {
    for (const pgid of [...this.groups]) await this.stop(pgid);
  }

  /**
   * As root the product keeps the newcomer's Postgres cluster outside its HOME; the library
   * folder's `cluster-location` file names it (README). Noted so the end removes it too.
   */
  noteClusters() {
    const cluster = readText(join(this.home, '.local', 'share', 'agent-resources', 'cluster-location'))?.trim();
    if (cluster?.startsWith(`${ROOT_CLUSTERS}/`)) this.clusters.add(cluster);
  }

  /**
   * Processes still running for this newcomer outside the groups it started, such as the
   * extension's local Postgres: by OS user, or (for root) by HOME, command line, folder or cluster.
   */
  leftoverPids() {
    const uid = this.user ? Number(execFileSync('id', ['-u', this.user], { encoding: 'utf8' })) : undefined;
    const places = [this.home, ...this.clusters];
    const inPlaces = (/** @type {string | undefined} */ s) => Boolean(s && places.some((p) => s === p || s.includes(`${p}/`)));
    /** @type {number[]} */
    const pids = [];
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      const owner = ownerOf(pid);
      if (owner === undefined) continue;
      const mine = uid !== undefined && owner === uid;
      const environ = readProc(pid, 'environ').split('\0');
      if (
        mine ||
        environ.includes(`HOME=${this.home}`) ||
        inPlaces(readProc(pid, 'cmdline').replaceAll('\0', ' ')) ||
        inPlaces(readLink(`/proc/${pid}/cwd`))
      ) {
        pids.push(pid);
      }
    }
    return pids;
  }

  /**
   * The product's own logs in the newcomer's HOME: the extension's output channel and the local
   * Postgres's log (not inside node_modules or the installed code-server).
   * @returns {string[]}
   */
  productLogs() {
    /** @type {string[]} */
    const found = [];
    const walk = (/** @type {string} */ dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) walk(path);
        else if (entry.isFile() && PRODUCT_LOGS.has(entry.name)) found.push(path);
      }
    };
    if (existsSync(this.home)) walk(this.home);
    return found;
  }

  /** Ends whatever still runs for it: SIGTERM (a postmaster shuts down), then SIGKILL. */
  async sweep() {
    this.noteClusters();
    for (const signal of /** @type {const} */ (['SIGTERM', 'SIGKILL'])) {
      const pids = this.leftoverPids();
      if (pids.length === 0) return;
      if (signal === 'SIGKILL') this.record(`--- still running after SIGTERM, killed: ${pids.join(' ')}`);
      for (const pid of pids) signalAsRoot(pid, signal);
      await until(() => this.leftoverPids().length === 0, 5000);
    }
  }

  /** Removes the newcomer: its processes, its clusters, its HOME (and OS user). Synchronous, for signal handlers too. */
  removeSync() {
    this.noteClusters();
    for (const pgid of this.groups) signalAsRoot(-pgid, 'SIGKILL');
    for (const pid of this.leftoverPids()) signalAsRoot(pid, 'SIGKILL');
    if (this.user) {
      // userdel refuses while the user still has processes.
      spawnSync('bash', [
        '-c',
        `pkill -KILL -u ${this.user}; for i in $(seq 50); do pgrep -u ${this.user} >/dev/null || break; sleep 0.1; done`,
      ]);
      const r = spawnSync('userdel', ['--remove', this.user], { encoding: 'utf8' });
      if (r.status !== 0 && r.status !== 12) console.error(`      userdel ${this.user}: ${r.stderr.trim()}`); // 12: no mail spool
    }
    rmSync(this.home, { recursive: true, force: true });
    for (const cluster of this.clusters) rmSync(cluster, { recursive: true, force: true });
  }

  /**
   * The repository as a fresh clone would have it, plus files not yet committed (not the ignored
   * ones: node_modules, dist, ...), owned by the newcomer.
   * @param {string} repo
   */
  copyRepository(repo) {
    const files = execFileSync('git', ['-C', repo, 'ls-files', '-z', '-co', '--exclude-standard'], { encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    for (const file of files) {
      const from = join(repo, file);
      if (!existsSync(from)) continue; // deleted in the work tree, not yet in git
      mkdirSync(dirname(join(this.copy, file)), { recursive: true });
      cpSync(from, join(this.copy, file));
    }
    if (this.user) execFileSync('chown', ['-R', `${this.user}:${this.user}`, this.copy]);
    return files.length;
  }

  /** @returns {boolean} whether HOME is 0700, as the case promises */
  homeIsPrivate() {
    return (statSync(this.home).mode & 0o777) === 0o700;
  }
}

/** @param {number} pid @returns {number | undefined} its real uid, undefined when it is gone */
function ownerOf(pid) {
  const status = readProc(pid, 'status');
  const uid = status.match(/^Uid:\s+(\d+)/m)?.[1];
  return uid === undefined ? undefined : Number(uid);
}

/** @param {number} pid @param {string} file */
function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** @param {string} path */
function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** @param {string} path */
function readLink(path) {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** @param {number} pgid */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/** @param {number} pid negative: a process group @param {NodeJS.Signals} signal */
function signalAsRoot(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** @param {() => boolean} done @param {number} ms */
async function until(done, ms) {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(200);
}

/** @param {number} started */
export const seconds = (started) => Math.round((Date.now() - started) / 1000);

/** @param {string} text */
export const firstLine = (text) =>
  text
    .split('\n')
    .find((l) => l.trim())
    ?.trim() ?? text;
