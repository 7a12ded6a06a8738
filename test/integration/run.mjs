// Runs the extension-host suite inside a real VS Code (code-server + headless Chromium, offline):
// the oldest supported VS Code, or `--host newest` (or AGENT_RESOURCES_VSCODE_HOST=newest).
// With --electron, through @vscode/test-electron instead (contributors with internet and a display;
// VSCODE_TEST_VERSION=stable for the newest desktop VS Code).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runTestsInHost } from '../host/run.mjs';

const { values: flags } = parseArgs({ options: { electron: { type: 'boolean' }, host: { type: 'string' } } });
const root = resolve(import.meta.dirname, '..', '..');
// The extension's own bundles first, as `npm run build` makes them: the suite tests the code of this tree.
execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { stdio: 'inherit', cwd: root });
execFileSync(process.execPath, [join(root, 'test', 'integration', 'build.mjs')], { stdio: 'inherit', cwd: root });

const workspace = mkdtempSync(join(tmpdir(), 'agent-resources-workspace-'));
writeFileSync(join(workspace, 'notes.md'), '# Notes\n\nSummarise {{topic}} for a new teammate.\n');

const resultsFile = process.env.AGENT_RESOURCES_RESULTS_FILE ?? '';
const options = {
  extensionPath: root,
  testsPath: join(root, 'out', 'integration', 'index.js'),
  workspacePath: workspace,
  env: {
    AGENT_RESOURCES_RESULTS_FILE: resultsFile,
    AGENT_RESOURCES_TEST_GREP: process.env.AGENT_RESOURCES_TEST_GREP ?? '',
  },
  timeoutMs: 10 * 60_000,
  host: /** @type {import('../host/install.mjs').HostName | undefined} */ (flags.host),
};

let code;
try {
  if (flags.electron) {
    const { runTestsInElectron } = await import('../host/electron.mjs');
    code = await runTestsInElectron(options);
  } else {
    code = await runTestsInHost(options);
    // Then the *.restricted.test.ts files, in a window that has not trusted its folder.
    const restrictedResults = resultsFile && `${resultsFile}.restricted`;
    const restricted = await runTestsInHost({
      ...options,
      trusted: false,
      env: { ...options.env, AGENT_RESOURCES_RESTRICTED: '1', AGENT_RESOURCES_RESULTS_FILE: restrictedResults },
    });
    if (resultsFile) addResults(resultsFile, restrictedResults);
    code ||= restricted;
  }
} finally {
  // A safety net only: the tests stop their servers and the window's deactivate() the local one.
  const stopped = stopOrphanedServers();
  if (stopped.length) {
    console.error(`[test-host] stopped ${stopped.length} Postgres server(s) the run left running: ${stopped.join('; ')}`);
    code ||= 1;
  }
}
process.exit(code);

/** Adds the second window's totals to the first's (test/run-all.mjs reads one file). */
function addResults(file, extra) {
  const read = (f) => {
    try {
      return JSON.parse(readFileSync(f, 'utf8'));
    } catch {
      return { passed: 0, failed: 0, skipped: 0 };
    }
  };
  const [a, b] = [read(file), read(extra)];
  writeFileSync(file, JSON.stringify({ passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped }));
  rmSync(extra, { force: true });
}

/**
 * The extension starts its local Postgres detached (it outlives a window); the host is
 * killed at the end of a run, so stop the servers whose data folders the run created.
 * @returns {string[]} what it stopped: `pid <n> (<data folder>)`
 */
function stopOrphanedServers() {
  const stopped = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const dataDir = cmdline[cmdline.indexOf('-D') + 1] ?? '';
    if (
      cmdline[0]?.endsWith('/postgres') &&
      cmdline.includes('-D') &&
      dataDir.startsWith(tmpdir()) &&
      // A host run's own folders (its TMPDIR holds the team servers its tests start): never the
      // servers of a plain-Node suite running beside it.
      /\/agent-resources-(host|tmp)-/.test(dataDir)
    ) {
      try {
        process.kill(Number(pid), 'SIGINT');
        stopped.push(`pid ${pid} (${dataDir})`);
      } catch {
        // already gone
      }
    }
  }
  return stopped;
}
