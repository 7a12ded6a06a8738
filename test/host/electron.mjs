// The same extension tests in desktop VS Code through @vscode/test-electron, for contributors
// with internet (it downloads VS Code) and a display (on Linux without one: xvfb-run -a node ...).
// Not a dependency of the project: `npm install --no-save @vscode/test-electron` to use it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SETTINGS } from './run.mjs';

// Oldest VS Code that package.json's engines.vscode allows, same as the offline host.
const DEFAULT_VERSION = '1.100.3';

/**
 * Runs the tests module in desktop VS Code and returns its exit code.
 * @param {object} options
 * @param {string} options.extensionPath  folder of the extension's package.json
 * @param {string} options.testsPath      CommonJS module exporting run()
 * @param {string} [options.workspacePath] folder to open; none = empty window
 * @param {Record<string, string>} [options.env] extra environment for the extension host
 * @param {Record<string, unknown>} [options.settings] extra user settings
 * @param {string} [options.version]      VS Code version (default 1.100.3, or env VSCODE_TEST_VERSION)
 * @returns {Promise<number>}
 */
export async function runTestsInElectron({ extensionPath, testsPath, workspacePath, env = {}, settings = {}, version }) {
  /** @type {{ runTests: (options: object) => Promise<number> }} */
  let testElectron;
  try {
    const name = '@vscode/test-electron'; // optional: not in package.json
    testElectron = await import(name);
  } catch {
    throw new Error(
      '@vscode/test-electron is not installed: run `npm install --no-save @vscode/test-electron` ' +
        '(needs internet to download VS Code), or use test/host/run.mjs offline.',
    );
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.warn('[test-electron] no display: run under `xvfb-run -a` if VS Code fails to start');
  }

  // Own profile per run, as in the offline host. Only the folder the settings file goes in; VS Code
  // makes its other folders itself, with its own modes.
  const root = mkdtempSync(join(tmpdir(), 'agent-resources-electron-'));
  const userData = join(root, 'user-data');
  const user = join(userData, 'User');
  mkdirSync(user, { recursive: true });
  writeFileSync(join(user, 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2));

  try {
    return await testElectron.runTests({
      version: version ?? process.env.VSCODE_TEST_VERSION ?? DEFAULT_VERSION,
      extensionDevelopmentPath: resolve(extensionPath),
      extensionTestsPath: resolve(testsPath),
      extensionTestsEnv: env,
      launchArgs: [
        ...(workspacePath ? [resolve(workspacePath)] : []),
        `--user-data-dir=${userData}`,
        `--extensions-dir=${join(root, 'extensions')}`,
      ],
    });
  } catch (err) {
    // runTests rejects with TestRunFailedError (code or signal) when the tests fail.
    const code = /** @type {{ code?: number }} */ (err).code;
    if (typeof code === 'number') return code;
    throw err;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { extension: { type: 'string' }, tests: { type: 'string' }, workspace: { type: 'string' }, version: { type: 'string' } },
  });
  if (!values.extension || !values.tests) {
    console.error('usage: node test/host/electron.mjs --extension <dir> --tests <run() module> [--workspace <dir>] [--version <x.y.z>]');
    process.exit(2);
  }
  runTestsInElectron({
    extensionPath: values.extension,
    testsPath: values.tests,
    workspacePath: values.workspace,
    version: values.version,
  }).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`[test-electron] ${err.message ?? err}`);
      process.exit(1);
    },
  );
}
