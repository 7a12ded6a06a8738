// The newcomer suite: the README's quick start, done for real by newcomers of this machine, each
// with no npm config and no git config: root with a fresh 0700 HOME, a brand-new OS user, and the
// packaged .vsix in a stock code-server. Each gets a fresh copy of the repository, runs `npm ci`
// and `PORT=<port> npm start`, and a person in Chromium saves a selection as a prompt and sees it
// in the tree with no error. Needs root (useradd). Screenshots and each newcomer's output:
// test-results/newcomer-<kind>.png / .log. Counts go to $AGENT_RESOURCES_RESULTS_FILE.
//   node test/newcomer/run.mjs [root] [new-user] [vsix]   (default: all three)
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { DEFAULT_HOST, hostInstall } from '../host/install.mjs';
import { codeServerArgs, DEFAULT_SETTINGS, freePort, waitForHealth } from '../host/run.mjs';
import { Newcomer, seconds, sh } from './newcomer.mjs';
import { openBrowser, saveAPromptAsAPerson, toasts } from './person.mjs';

const repo = resolve(import.meta.dirname, '..', '..');
const results = join(repo, 'test-results');
const MINUTE = 60_000;
const TAIL_LINES = 40;
const EXTENSION_LOG_LINES = 15;
const ADDRESS = /http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+/;

/**
 * @typedef {object} Case
 * @property {string} kind   file names: newcomer-<kind>.png / .log
 * @property {string} title
 * @property {number} timeoutMs
 * @property {(progress: (line: string) => void) => Newcomer} newcomer
 * @property {(nc: Newcomer) => Promise<void>} steps
 */

/** Newcomers still on the machine, removed at the end or on Ctrl+C. @type {Set<Newcomer>} */
const live = new Set();
/** The root newcomer's copy also builds the .vsix. @type {Newcomer | undefined} */
let builder;

/** @type {Case[]} */
const cases = [
  {
    kind: 'root',
    title: 'root with a 0700 HOME: fresh copy, npm ci, npm start, saves a prompt in the browser',
    timeoutMs: 8 * MINUTE,
    newcomer: (progress) => (builder = Newcomer.root({ kind: 'root', logFile: logFile('root'), progress })),
    steps: (nc) => quickStart(nc),
  },
  {
    kind: 'new-user',
    title: 'a brand-new OS user: fresh copy, npm ci, npm start, saves a prompt in the browser',
    timeoutMs: 8 * MINUTE,
    newcomer: (progress) => Newcomer.osUser({ kind: 'new-user', logFile: logFile('new-user'), progress }),
    steps: (nc) => quickStart(nc),
  },
  {
    kind: 'vsix',
    title: 'the packaged .vsix in a stock code-server: npm run package, --install-extension, saves a prompt in the browser',
    timeoutMs: 6 * MINUTE,
    newcomer: (progress) => Newcomer.root({ kind: 'vsix', logFile: logFile('vsix'), progress }),
    steps: (nc) => packagedExtension(nc),
  },
];

/** @param {string} kind */
const logFile = (kind) => join(results, `newcomer-${kind}.log`);

/** The README's quick start: `npm ci && npm start`, then the browser. @param {Newcomer} nc */
async function quickStart(nc) {
  if (!nc.homeIsPrivate()) throw new Error(`${nc.home} is not 0700`);
  await nc.act('copy the repository', () => nc.copyRepository(repo));
  await nc.act('npm ci', () => nc.run(`cd ${sh(nc.copy)} && npm ci`));
  const port = await freePort();
  const { match: address } = await nc.act(`PORT=${port} npm start (the first run installs code-server)`, () =>
    nc.serve(`cd ${sh(nc.copy)} && PORT=${port} npm start`, ADDRESS),
  );
  await inTheBrowser(nc, address);
}

/**
 * `npm run package` in the root newcomer's copy, the .vsix installed into a stock code-server
 * (the one its npm start installed) in a fresh HOME, started without extensionDevelopmentPath.
 * @param {Newcomer} nc
 */
async function packagedExtension(nc) {
  // Run alone, or after the root case failed early, it makes its own root newcomer's copy.
  const maker = builder ?? addNewcomer(Newcomer.root({ kind: 'vsix-builder', logFile: logFile('vsix-builder'), progress: nc.progress }));
  const as = { home: maker.home }; // these commands run as the root newcomer, in its copy
  if (!existsSync(join(maker.copy, 'package.json'))) await nc.act('copy the repository', () => maker.copyRepository(repo));
  // npm writes node_modules/.package-lock.json when an install has finished.
  if (!existsSync(join(maker.copy, 'node_modules', '.package-lock.json')))
    await nc.act('npm ci', () => nc.run(`cd ${sh(maker.copy)} && npm ci`, as));
  // The host its npm start installed (code-server and the Node it runs on), in its own cache.
  const host = hostInstall(DEFAULT_HOST, join(maker.home, '.cache', 'agent-resources-test-host'));
  if (!host.installed) {
    await nc.act('install code-server', () => nc.run(`cd ${sh(maker.copy)} && node test/host/install.mjs`, as));
  }
  await nc.act('npm run package', () => nc.run(`cd ${sh(maker.copy)} && npm run package`, as));
  const { version } = JSON.parse(readFileSync(join(maker.copy, 'package.json'), 'utf8'));
  const vsix = join(maker.copy, `agent-resources-linux-x64-${version}.vsix`);
  if (!existsSync(vsix)) throw new Error(`npm run package wrote no ${vsix}`);

  // code-server's own default folders in the fresh HOME; config and settings as npm start writes them.
  const userData = join(nc.home, '.local', 'share', 'code-server');
  const extensionsDir = join(userData, 'extensions');
  const config = join(nc.home, '.config', 'code-server', 'config.yaml');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(join(nc.home, '.config', 'code-server'), { recursive: true });
  writeFileSync(config, 'auth: none\n');
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(DEFAULT_SETTINGS, null, 2));
  const entry = join(host.codeServerDir, 'out', 'node', 'entry.js');
  const gallery = `EXTENSIONS_GALLERY='{}'`; // else code-server tries to reach a marketplace
  await nc.act('code-server --install-extension <vsix>', () =>
    nc.run(
      `${gallery} ${sh(host.nodePath)} ${sh(entry)} --user-data-dir ${sh(userData)} --extensions-dir ${sh(extensionsDir)} --install-extension ${sh(vsix)}`,
    ),
  );
  const port = await freePort();
  const args = codeServerArgs(host, { port, config, userData, extensionsDir });
  const server = await nc.act('start code-server', () =>
    nc.serve(`${gallery} exec ${sh(host.nodePath)} ${args.map(sh).join(' ')}`, /HTTP server listening on/),
  );
  await nc.act('wait for /healthz', () => waitForHealth(port, server.exited));
  await inTheBrowser(nc, `http://127.0.0.1:${port}/?folder=${encodeURIComponent(maker.copy)}`);
}

/** @param {Newcomer} nc @param {string} address */
async function inTheBrowser(nc, address) {
  const browser = await nc.act('start Chromium', () => openBrowser());
  nc.browser = browser;
  await saveAPromptAsAPerson(nc, browser.page, address, `Newcomer prompt ${nc.kind}`);
  nc.noteClusters();
  await screenshot(nc, `newcomer-${nc.kind}.png`);
}

/** @param {Newcomer} nc @param {string} name */
async function screenshot(nc, name) {
  const file = join(results, name);
  await nc.browser?.page.screenshot({ path: file, timeout: 15_000 });
  nc.record(`--- screenshot ${file}`);
  return file;
}

/**
 * Copies the product's logs out of the newcomer's HOME (it is removed) and shows the end of the
 * extension's own log with the failure.
 * @param {Newcomer} nc @param {Error} failure
 */
function keepProductLogs(nc, failure) {
  const logs = nc.productLogs();
  if (logs.length === 0) return;
  const dir = join(results, `newcomer-${nc.kind}-logs`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const log of logs) cpSync(log, join(dir, relative(nc.home, log).replace(/^\./, '').replaceAll('/', '_')));
  failure.message += `\n      the product's logs: ${dir}`;
  const extensionLog = logs.find((l) => basename(l) === 'Agent Resources.log');
  if (!extensionLog) return;
  const tail = readFileSync(extensionLog, 'utf8').trimEnd().split('\n').slice(-EXTENSION_LOG_LINES);
  failure.message += `\n      --- last ${EXTENSION_LOG_LINES} lines of the extension's log ---\n${tail.map((l) => `      | ${l}`).join('\n')}`;
}

/** What an earlier run left for this case in test-results. @param {string} kind */
function clearResults(kind) {
  for (const name of [`newcomer-${kind}.png`, `newcomer-${kind}-failed.png`, `newcomer-${kind}-logs`]) {
    rmSync(join(results, name), { recursive: true, force: true });
  }
}

/** @param {Newcomer} nc */
function addNewcomer(nc) {
  live.add(nc);
  return nc;
}

/**
 * Runs a case within its timeout; whatever happens, stops what it started.
 * @param {Case} c @returns {Promise<boolean>} passed
 */
async function runCase(c) {
  const started = Date.now();
  const progress = (/** @type {string} */ line) => console.log(`      ${c.kind}: ${line}`);
  /** @type {Newcomer | undefined} */
  let nc;
  /** @type {Error | undefined} */
  let failure;
  clearResults(c.kind);
  try {
    nc = addNewcomer(c.newcomer(progress));
    await withTimeout(c.steps(nc), c.timeoutMs, () => `timed out after ${c.timeoutMs / MINUTE} min, at: ${nc?.step}`);
  } catch (err) {
    failure = /** @type {Error} */ (err);
  }
  if (nc) await endCase(nc, failure);
  const took = `${seconds(started)} s`;
  if (!failure) {
    console.log(`  ✓ ${c.title} (${took})`);
    return true;
  }
  console.log(`  ✗ ${c.title} (${took})`);
  console.log(`      ${failure.message}`);
  if (nc) printTail(nc);
  return false;
}

/** @param {Newcomer} nc @param {Error | undefined} failure */
async function endCase(nc, failure) {
  nc.abandoned = true;
  if (failure && nc.browser) {
    const notes = await toasts(nc.browser.page).catch(() => []);
    if (notes.length) failure.message += `\n      notifications: ${notes.map((t) => `"${t.text}"`).join(', ')}`;
    const file = await screenshot(nc, `newcomer-${nc.kind}-failed.png`).catch(() => undefined);
    if (file) failure.message += `\n      screenshot: ${file}`;
  }
  if (failure) keepProductLogs(nc, failure);
  await nc.browser?.close();
  await nc.stopAll();
  await nc.sweep();
  // The root newcomer's copy and code-server stay for the .vsix case; the end removes them.
  if (nc !== builder) removeNewcomer(nc);
}

/** @param {Newcomer} nc */
function removeNewcomer(nc) {
  nc.removeSync();
  live.delete(nc);
}

/** @param {Newcomer} nc */
function printTail(nc) {
  console.log(`      --- last ${TAIL_LINES} lines of its output (all of it: ${nc.logFile}) ---`);
  for (const line of nc.tail(TAIL_LINES)) console.log(`      | ${line}`);
}

/**
 * @template T @param {Promise<T>} work @param {number} ms @param {() => string} message
 * @returns {Promise<T>}
 */
function withTimeout(work, ms, message) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(message())), ms);
  });
  work.catch(() => {}); // after a timeout its own rejection is of no interest
  return /** @type {Promise<T>} */ (Promise.race([work, timeout])).finally(() => clearTimeout(timer));
}

/** @param {{ passed: number, failed: number, skipped: number }} counts */
function writeCounts(counts) {
  const file = process.env.AGENT_RESOURCES_RESULTS_FILE;
  if (file) writeFileSync(file, JSON.stringify(counts));
}

/** Ctrl+C or a kill: the new OS user and the temp HOMEs must not outlive the suite. */
function removeAllOnSignal() {
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.once(signal, () => {
      console.log(`\n  ${signal}: removing the newcomers`);
      for (const nc of live) nc.removeSync();
      process.exit(130);
    });
  }
}

async function main() {
  const only = process.argv.slice(2);
  const selected = cases.filter((c) => only.length === 0 || only.includes(c.kind));
  console.log('\n  newcomers (fresh copy, npm ci, npm start, in the browser)');
  if (process.getuid?.() !== 0) {
    console.log('    not run: this suite creates an OS user (useradd) and runs as other users (runuser), so it needs root');
    writeCounts({ passed: 0, failed: 0, skipped: selected.length });
    return 0;
  }
  mkdirSync(results, { recursive: true });
  removeAllOnSignal();
  const counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    for (const c of selected) {
      if (await runCase(c)) counts.passed++;
      else counts.failed++;
    }
  } finally {
    for (const nc of live) removeNewcomer(nc);
  }
  console.log(`\n  ${counts.passed} passing, ${counts.failed} failing`);
  writeCounts(counts);
  return counts.failed > 0 ? 1 : 0;
}

process.exitCode = await main();
