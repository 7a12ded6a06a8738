// Child processes of the bench, and the sweep that stops whatever it started under its temp folder
// (servers, code-server, chromium, the extension's detached Postgres), also after a failure.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** @type {Set<import('node:child_process').ChildProcess>} */
export const children = new Set();

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `node --import tsx <file> ...args`; resolves with the last stdout line parsed as JSON.
 * Lines other than the last are passed through to the console.
 * @param {string} cwd @param {string} file @param {string[]} args @param {{ timeoutMs: number, env?: Record<string, string> }} options
 * @returns {Promise<any>}
 */
export function runTs(cwd, file, args, { timeoutMs, env = {} }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    children.add(child);
    let out = '';
    let pending = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (!line.startsWith('{')) console.log(line);
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${file} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${file} exited with code ${code}`));
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${file} printed no result`));
      }
    });
  });
}

/** @param {number} pid */
function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** @param {number} pid */
function processGroup(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

/** @param {number} pid */
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Blocks the thread for `ms` (only for the exit path, where nothing can be awaited). @param {number} ms */
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** @param {string} folder @returns {number[]} */
function signalAll(folder) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const args = cmdline(pid);
    if (!args?.some((a) => a.includes(folder))) continue;
    found.push(pid);
    const isPostgres = args[0]?.endsWith('/postgres');
    try {
      if (!isPostgres && processGroup(pid) === pid) process.kill(-pid, 'SIGTERM');
      else process.kill(pid, isPostgres ? 'SIGINT' : 'SIGTERM');
    } catch {
      // already gone
    }
  }
  return found;
}

/** @param {number[]} pids */
function killRemaining(pids) {
  for (const pid of pids.filter(alive)) {
    try {
      if (processGroup(pid) === pid) process.kill(-pid, 'SIGKILL');
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * The same as sweep, without awaiting: for process.on('exit'), when something else (playwright's
 * own SIGINT handler) ends the process before the normal cleanup has run.
 * @param {string} folder
 */
export function sweepSync(folder) {
  for (const child of children) {
    try {
      child.kill('SIGTERM');
    } catch {
      // gone
    }
  }
  let deadline = Date.now() + 8000;
  while ([...children].some((c) => c.pid && alive(c.pid)) && Date.now() < deadline) sleepSync(50);
  for (let pass = 0; pass < 5; pass++) {
    const found = signalAll(folder);
    if (!found.length) break;
    deadline = Date.now() + 8000;
    while (found.some(alive) && Date.now() < deadline) sleepSync(50);
    killRemaining(found);
    sleepSync(200);
  }
}

/**
 * Stops every process whose command line names a path under `folder` (only the bench makes those):
 * Postgres with SIGINT (fast shutdown), the others with SIGTERM (their process group when they
 * lead one: code-server's extension host is in its group), then SIGKILL what is left.
 * @param {string} folder
 * @returns {Promise<number>} how many processes were found
 */
export async function sweep(folder) {
  const found = signalAll(folder);
  const deadline = Date.now() + 8000;
  while (found.some(alive) && Date.now() < deadline) await sleep(100);
  killRemaining(found);
  return found.length;
}

/** Ends the bench's own children (their own cleanup runs on SIGTERM). */
export async function stopChildren() {
  for (const child of children) child.kill('SIGTERM');
  const deadline = Date.now() + 15_000;
  while ([...children].some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await sleep(100);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
