// Runs extension tests (or opens the workbench for UI checks) in a real VS Code offline:
// code-server's server + web workbench, driven by headless Debian chromium through playwright-core.
// Steps and flags follow /work/shared/vscode-test-host.md.
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ensureHost } from './install.mjs';

const DEFAULT_TIMEOUT_MS = 180_000;
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
export const DEFAULT_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.enableExperiments': false,
};
// Workspace Trust on, and no prompt: the folder stays untrusted, the window in Restricted Mode.
const RESTRICTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.emptyWindow': false,
};
// The workbench's own startup lines arrive on the same channel as the extension host's console;
// they stay in output.log but are not printed.
const WORKBENCH_CHATTER =
  /^(Resolv(ing|ed) connection token|Creating a socket|Ignoring fetching additional builtin|\[Service Worker\]|ChatSessionStore:|Updating additional builtin extensions cache|Creation of workbench contribution|\[(AgentHost|ChatModelSelection|AccountPolicyGate|reconnection-grace-time)\b)/;

/** @param {string} msg */
const log = (msg) => console.log(`[test-host] ${msg}`);

/**
 * @typedef {object} LaunchOptions
 * @property {string} extensionPath  absolute or relative folder of the extension's package.json
 * @property {string} [testsPath]    CommonJS module (the extension host require()s it) exporting
 *   `run(): Promise<void>` that rejects when a test fails; omitted = just open the workbench
 * @property {string} [workspacePath] folder to open; none = empty window
 * @property {Record<string, unknown>} [settings] extra user settings
 * @property {Record<string, string>} [env] extra environment for code-server and the extension host
 * @property {string} [logDir]       where logs go (default: inside the run's temp folder)
 * @property {boolean} [trusted]     false: Workspace Trust on and the folder not trusted (Restricted Mode)
 * @property {import('./install.mjs').HostName} [host] which VS Code (default: $AGENT_RESOURCES_VSCODE_HOST, else the oldest)
 */

/**
 * Runs the tests module inside VS Code and returns its exit code (124 on timeout).
 * @param {LaunchOptions & { timeoutMs?: number }} options
 * @returns {Promise<number>}
 */
export async function runTestsInHost({ timeoutMs = DEFAULT_TIMEOUT_MS, ...options }) {
  if (!options.testsPath) throw new Error('runTestsInHost: testsPath is required');
  await ensureHost(options.host); // a first install (about a minute) is not part of the run's time
  const started = Date.now();
  const run = await launch(options);
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  let code = 1;
  try {
    // The timeout counts from the start: launching is part of the run.
    const timeout = new Promise((done) => {
      timer = setTimeout(() => done(124), started + timeoutMs - Date.now());
    });
    code = /** @type {number} */ (await Promise.race([run.exitCode, timeout]));
    if (code === 124) log(`timed out after ${timeoutMs / 1000} s`);
  } catch (err) {
    log(`run failed: ${/** @type {Error} */ (err).message}`);
  } finally {
    clearTimeout(timer);
    await run.close(code === 0);
  }
  log(`exit code ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

/**
 * Opens the workbench with the extension loaded (no tests), for UI-level checks.
 * `close()` stops chromium and code-server and deletes the run's temp folders;
 * `close(true)` keeps the logs (e.g. when a UI check failed).
 * @param {Omit<LaunchOptions, 'testsPath'>} options
 * @returns {Promise<{ page: import('playwright-core').Page, close: (keepLogs?: boolean) => Promise<void> }>}
 */
export async function openWorkbench(options) {
  const run = await launch({ ...options, testsPath: undefined });
  try {
    await run.page.locator('.monaco-workbench .activitybar').waitFor({ timeout: 60_000 });
  } catch (err) {
    await run.close(false);
    throw err;
  }
  return { page: run.page, close: (keepLogs = false) => run.close(!keepLogs) };
}

/** @param {LaunchOptions} options */
async function launch({ extensionPath, testsPath, workspacePath, settings = {}, env = {}, logDir, trusted = true, host: hostName }) {
  const host = await ensureHost(hostName);
  log(`VS Code host: code-server ${host.codeServerVersion} (${host.name}) on Node ${host.nodeVersion}`);
  const root = mkdtempSync(join(tmpdir(), 'agent-resources-host-'));
  const dir = (/** @type {string} */ name) => join(root, name);
  const logs = logDir ? resolve(logDir) : dir('logs');
  const userData = dir('user-data');
  const user = join(userData, 'User');
  // Only the folder the settings file goes in; VS Code makes its other folders itself, with its own modes.
  for (const d of [user, dir('xdg-config'), dir('xdg-data'), dir('xdg-cache'), dir('chromium-home'), logs]) {
    mkdirSync(d, { recursive: true });
  }
  // The run's own /tmp, so the sockets VS Code and git leave there go away with it. Outside the
  // run's (0700) folder and 1777, because other OS users reach a real machine's /tmp.
  const tmp = mkdtempSync(join(tmpdir(), 'agent-resources-tmp-'));
  chmodSync(tmp, 0o1777);
  const settingsText = JSON.stringify({ ...DEFAULT_SETTINGS, ...(trusted ? {} : RESTRICTED_SETTINGS), ...settings }, null, 2);
  writeFileSync(join(user, 'settings.json'), settingsText);
  // Also where a remote window (code-server is one) keeps machine-scoped settings: from the User
  // file VS Code drops them at its first settings write (e.g. Sort By), as its Settings UI would not write them there.
  mkdirSync(join(userData, 'Machine'), { recursive: true });
  writeFileSync(join(userData, 'Machine', 'settings.json'), settingsText);
  writeFileSync(dir('config.yaml'), 'auth: none\n');

  const port = await freePort();
  const serverLog = openSync(join(logs, 'code-server.log'), 'a');
  const server = spawn(
    host.nodePath,
    codeServerArgs(host, { port, config: dir('config.yaml'), userData, extensionsDir: dir('extensions'), trusted }),
    {
      detached: true, // own process group: killing it also stops the extension host and its children
      stdio: ['ignore', serverLog, serverLog],
      env: {
        ...process.env,
        ...env,
        EXTENSIONS_GALLERY: '{}', // else every run tries to reach a marketplace
        TMPDIR: tmp,
        XDG_CONFIG_HOME: dir('xdg-config'),
        XDG_DATA_HOME: dir('xdg-data'),
        XDG_CACHE_HOME: dir('xdg-cache'),
      },
    },
  );
  closeSync(serverLog);
  const serverExited = new Promise((done) => server.once('exit', (code, signal) => done(signal ?? code)));
  const killServer = () => signalGroup(server.pid, 'SIGKILL');
  // Last resorts if the caller dies without close(): the detached group would outlive it.
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    unhook();
    killServer();
    process.kill(process.pid, signal); // re-raise for the default action or other listeners
  };
  const unhook = () => {
    process.removeListener('exit', killServer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  process.once('exit', killServer).once('SIGINT', onSignal).once('SIGTERM', onSignal);

  /** @type {import('playwright-core').BrowserContext | undefined} */
  let context;
  let closed = false;
  /** @param {boolean} ok deletes the temp folders when true, keeps the logs when false */
  const close = async (ok) => {
    if (closed) return;
    closed = true;
    await context?.close().catch(() => {});
    // SIGTERM first so children such as an embedded postgres can shut down cleanly.
    if (signalGroup(server.pid, 'SIGTERM')) await groupGone(server.pid, 5000);
    killServer();
    unhook();
    if (existsSync(join(userData, 'logs'))) cpSync(join(userData, 'logs'), join(logs, 'server-logs'), { recursive: true });
    await removeRunLibrary(join(dir('xdg-data'), 'agent-resources'));
    rmSync(tmp, { recursive: true, force: true });
    if (ok) {
      rmSync(root, { recursive: true, force: true });
    } else {
      // Keep only the logs.
      if (dirname(logs) !== root) rmSync(root, { recursive: true, force: true });
      else for (const name of readdirSync(root)) if (join(root, name) !== logs) rmSync(join(root, name), { recursive: true, force: true });
      log(`logs kept in ${logs}`);
    }
  };

  try {
    await waitForHealth(port, serverExited);
    context = await chromium.launchPersistentContext(dir('chromium-profile'), {
      headless: true,
      executablePath: host.chromiumPath,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      env: {
        ...process.env,
        HOME: dir('chromium-home'),
        TMPDIR: tmp,
        XDG_CONFIG_HOME: dir('xdg-config'),
        XDG_DATA_HOME: dir('xdg-data'),
        XDG_CACHE_HOME: dir('xdg-cache'),
      },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const output = join(logs, 'output.log');
    /** @type {(code: number) => void} */
    let setExitCode = () => {};
    const exitCode = new Promise((done, fail) => {
      setExitCode = done;
      serverExited.then((how) => fail(new Error(`code-server exited (${how})`)));
      page.once('crash', () => fail(new Error('the workbench page crashed')));
    });
    exitCode.catch(() => {}); // a workbench without tests never reads it

    // Both must exist before the workbench loads: it checks for them once.
    await page.exposeFunction('codeAutomationLog', (/** @type {string} */ type, /** @type {unknown[]} */ args) => {
      const text = format(...args); // args are console.log's: a format string and its values
      appendFileSync(output, `${type} ${text}\n`);
      if (!WORKBENCH_CHATTER.test(text)) printHostLine(type, text);
    });
    await page.exposeFunction(
      'codeAutomationExit',
      (/** @type {number} */ code, /** @type {{ relativePath: string, contents: string }[]} */ files) => {
        for (const f of files ?? []) {
          const target = join(logs, 'workbench-logs', f.relativePath);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, f.contents);
        }
        setExitCode(code);
      },
    );

    const remote = (/** @type {string} */ p) => `vscode-remote://127.0.0.1:${port}${resolve(p)}`;
    /** @type {[string, string][]} */
    const payload = [
      ['extensionDevelopmentPath', remote(extensionPath)],
      ['skipWelcome', 'true'],
    ];
    if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
    const url = new URL(`http://127.0.0.1:${port}/`);
    if (workspacePath) url.searchParams.set('folder', resolve(workspacePath));
    url.searchParams.set('payload', JSON.stringify(payload));
    await page.goto(url.href);
    return { page, exitCode: /** @type {Promise<number>} */ (exitCode), close };
  } catch (err) {
    await close(false);
    throw err;
  }
}

/**
 * A local library a run made (by default in the run's XDG data folder; a test's own
 * AGENT_RESOURCES_HOME): its server is stopped and, as root, its cluster under
 * /var/lib/agent-resources removed, as the run made both.
 * @param {string} home
 */
export async function removeRunLibrary(home) {
  let clusterRoot = home;
  try {
    clusterRoot = readFileSync(join(home, 'cluster-location'), 'utf8').trim();
  } catch {
    /* not root: the cluster is inside the library folder */
  }
  try {
    const pid = Number(readFileSync(join(clusterRoot, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && processExists(pid); i++) await sleep(50);
  } catch {
    /* no server running */
  }
  if (clusterRoot !== home) rmSync(clusterRoot, { recursive: true, force: true });
}

/**
 * code-server's command line: offline, no auth, bound to 127.0.0.1 only, plus the flags its version needs.
 * @param {{ codeServerDir: string, flags: readonly string[] }} host
 * @param {{ port: number, config: string, userData: string, extensionsDir: string, trusted?: boolean }} dirs  trusted false: Workspace Trust stays on
 */
export function codeServerArgs(host, { port, config, userData, extensionsDir, trusted = true }) {
  return [
    join(host.codeServerDir, 'out', 'node', 'entry.js'),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--config',
    config,
    '--user-data-dir',
    userData,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    ...(trusted ? ['--disable-workspace-trust'] : []),
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
    ...host.flags,
  ];
}

/**
 * Prints a line of the extension host's console; `info` is console.log, so it gets no tag.
 * @param {string} type @param {string} text
 */
function printHostLine(type, text) {
  const tag = type === 'info' ? '' : ` ${type}`;
  const stream = type === 'error' || type === 'warn' ? process.stderr : process.stdout;
  stream.write(
    text
      .split('\n')
      .map((line) => `[host${tag}] ${line}\n`)
      .join(''),
  );
}

/** @param {number} port @param {Promise<unknown>} serverExited */
export async function waitForHealth(port, serverExited) {
  let exited = false;
  serverExited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error('code-server exited during startup; see code-server.log');
    try {
      if ((await globalThis.fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error('code-server did not answer /healthz within 30 s');
}

/**
 * @param {number | undefined} pgid @param {NodeJS.Signals | 0} signal
 * @returns {boolean} false when the process group no longer exists
 */
function signalGroup(pgid, signal) {
  try {
    if (pgid) process.kill(-pgid, signal);
    return Boolean(pgid);
  } catch {
    return false;
  }
}

/** @param {number} pid */
function processExists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** @param {number | undefined} pgid @param {number} ms */
async function groupGone(pgid, ms) {
  const deadline = Date.now() + ms;
  while (signalGroup(pgid, 0) && Date.now() < deadline) await sleep(100);
}

/** @returns {Promise<number>} a TCP port that was free a moment ago */
export function freePort() {
  return new Promise((done, fail) => {
    const srv = createServer().once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => done(port));
    });
  });
}

const sleep = (/** @type {number} */ ms) => new Promise((done) => setTimeout(done, ms));

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      extension: { type: 'string' },
      tests: { type: 'string' },
      workspace: { type: 'string' },
      timeout: { type: 'string' },
      'log-dir': { type: 'string' },
      host: { type: 'string' },
    },
  });
  if (!values.extension || !values.tests) {
    console.error(
      'usage: node test/host/run.mjs --extension <dir> --tests <run() module> [--workspace <dir>] [--timeout <ms>] [--log-dir <dir>] [--host oldest|newest]',
    );
    process.exit(2);
  }
  runTestsInHost({
    extensionPath: values.extension,
    testsPath: values.tests,
    workspacePath: values.workspace,
    timeoutMs: values.timeout ? Number(values.timeout) : undefined,
    logDir: values['log-dir'],
    host: /** @type {import('./install.mjs').HostName | undefined} */ (values.host),
  }).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`[test-host] ${err.message}`);
      process.exit(1);
    },
  );
}
