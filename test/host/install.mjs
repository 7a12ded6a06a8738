// Installs the offline VS Code test host on first use: code-server (VS Code 1.100.3 server +
// web workbench) into a cache folder, plus Debian's chromium. See /work/shared/vscode-test-host.md.
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
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const CHROMIUM = '/usr/bin/chromium';
const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'ripgrep'];
const MARKER = '.install-complete';

// npm 11 runs a dependency's install scripts only if allowed. Those code-server needs, from its
// shrinkwraps: its own postinstall and argon2 at the top, then the nested `npm install` that the
// postinstall runs in lib/vscode.
const TOP_SCRIPTS = ['code-server', 'argon2'];
const VSCODE_SCRIPTS = [
  'node-pty',
  'kerberos',
  'native-watchdog',
  '@parcel/watcher',
  '@vscode/ripgrep',
  '@vscode/spdlog',
  '@vscode/deviceid',
  '@vscode/windows-process-tree',
  '@vscode/windows-registry',
];

// @vscode/ripgrep@1.15.11 downloads rg from GitHub unless this file is in $TMPDIR.
const RG_CACHE_DIR = 'vscode-ripgrep-cache-1.15.11';
const RG_TARBALL = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

/** @param {string} msg */
const log = (msg) => console.log(`[test-host] ${msg}`);

/** @returns {string} folder holding one `code-server-<version>` install per version */
export function cacheRoot() {
  return process.env.AGENT_RESOURCES_HOST_CACHE || join(homedir(), '.cache', 'agent-resources-test-host');
}

/**
 * Ensures code-server and chromium are installed. Idempotent; returns at once when they are.
 * @returns {Promise<{ codeServerDir: string, nodePath: string, chromiumPath: string }>}
 */
export async function ensureHost() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) throw new Error(`code-server ${CODE_SERVER_VERSION} needs Node 20, this is ${process.version}`);

  ensureAptPackages();
  const prefix = join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
  if (!existsSync(join(prefix, MARKER))) installCodeServer(prefix);
  return {
    codeServerDir: join(prefix, 'node_modules', 'code-server'),
    nodePath: process.execPath, // code-server and its extension host run on this Node
    chromiumPath: CHROMIUM,
  };
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

/** Installs into a staging folder, then renames it into place: a crash never leaves a half install. */
function installCodeServer(/** @type {string} */ prefix) {
  const started = Date.now();
  mkdirSync(cacheRoot(), { recursive: true });
  const staging = mkdtempSync(`${prefix}.staging-`);
  const logFile = `${prefix}.install.log`; // npm's output, shown only when something fails
  const logFd = openSync(logFile, 'w');
  try {
    const tmp = join(staging, 'tmp');
    mkdirSync(join(tmp, RG_CACHE_DIR), { recursive: true });
    run('tar', ['-czf', join(tmp, RG_CACHE_DIR, RG_TARBALL), '-C', '/usr/bin', 'rg']);

    const env = {
      ...process.env,
      TMPDIR: tmp,
      npm_config_unsafe_perm: 'true', // as root, code-server's postinstall refuses without it
      npm_config_yes: 'true', // node-pty's postinstall would stop on an npx prompt
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      npm_config_update_notifier: 'false',
      ...nodeHeadersConfig(),
    };
    // npm 11 rejects allow-scripts given as a flag or env var in a project install, and would
    // export it to the nested install, so it goes in files: package.json for the top level, and
    // lib/vscode/.npmrc, written between unpacking (scripts off) and running the scripts (rebuild).
    writeFileSync(
      join(staging, 'package.json'),
      JSON.stringify(
        {
          private: true,
          dependencies: { 'code-server': CODE_SERVER_VERSION },
          allowScripts: Object.fromEntries(TOP_SCRIPTS.map((name) => [name, true])),
        },
        null,
        2,
      ),
    );
    log(`npm install code-server@${CODE_SERVER_VERSION} into ${prefix} (about a minute, log: ${logFile})`);
    run('npm', ['install', '--ignore-scripts'], env, staging, logFd);
    const codeServerDir = join(staging, 'node_modules', 'code-server');
    writeFileSync(join(codeServerDir, 'lib', 'vscode', '.npmrc'), `allow-scripts=${VSCODE_SCRIPTS.join(',')}\n`);
    log('building native modules (code-server postinstall)');
    run('npm', ['rebuild', '--foreground-scripts'], env, staging, logFd);
    verify(codeServerDir, logFd);
    rmSync(tmp, { recursive: true, force: true });
    chmodSync(staging, 0o755); // mkdtemp makes 0700: keep the install readable by other users
    writeFileSync(join(staging, MARKER), `${new Date().toISOString()}\n`);
    try {
      renameSync(staging, prefix);
    } catch (err) {
      // Another process finished first; its install is as good as ours.
      if (!existsSync(join(prefix, MARKER))) throw err;
    }
    log(`code-server installed in ${Math.round((Date.now() - started) / 1000)} s`);
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
 * node-gyp (argon2, node-pty, ...) downloads Node's headers unless told where they are; a new OS
 * user has no npm config saying so, and there is no internet. A user's own setting wins.
 * @returns {{ npm_config_nodedir?: string }}
 */
function nodeHeadersConfig() {
  if (process.env.npm_config_nodedir || process.env.NPM_CONFIG_NODEDIR) return {};
  const prefix = dirname(dirname(process.execPath)); // /usr for Debian's /usr/bin/node
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? { npm_config_nodedir: prefix } : {};
}

/** Fails loudly if a postinstall step was skipped or failed quietly. */
function verify(/** @type {string} */ dir, /** @type {number} */ logFd) {
  for (const file of ['out/node/entry.js', 'lib/vscode/node_modules.asar', 'lib/vscode/node_modules/@vscode/ripgrep/bin/rg']) {
    if (!existsSync(join(dir, file))) throw new Error(`code-server install incomplete: ${file} is missing`);
  }
  // Native modules the server loads; a skipped or failed build shows up here.
  const probe = `for (const m of ['node-pty', '@vscode/spdlog', 'native-watchdog', 'kerberos', '@parcel/watcher']) await import(m);`;
  run(process.execPath, ['--input-type=module', '-e', probe], process.env, join(dir, 'lib', 'vscode'), logFd);
  run(process.execPath, ['-e', 'require("argon2")'], process.env, dir, logFd);
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
  ensureHost().then(
    (host) => console.log(JSON.stringify(host, null, 2)),
    (err) => {
      console.error(`[test-host] ${err.message}`);
      process.exit(1);
    },
  );
}
