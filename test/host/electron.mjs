// The same extension tests in desktop VS Code through @vscode/test-electron, for contributors
// with internet (it downloads VS Code into .vscode-test/) and a display (on Linux without one:
// xvfb-run -a node ...). Offline, and in CI here, test/host/run.mjs runs them in code-server.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { DEFAULT_SETTINGS } from './run.mjs';

/** The oldest VS Code that package.json's engines.vscode allows (`^1.101.0` gives 1.101.0). */
export function oldestSupportedVersion() {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
  return String(manifest.engines.vscode).replace(/^[\^~>=]+/, '');
}

/**
 * Runs the tests module in desktop VS Code and returns its exit code.
 * @param {object} options
 * @param {string} options.extensionPath  folder of the extension's package.json
 * @param {string} options.testsPath      CommonJS module exporting run()
 * @param {string} [options.workspacePath] folder to open; none = empty window
 * @param {Record<string, string>} [options.env] extra environment for the extension host
 * @param {Record<string, unknown>} [options.settings] extra user settings
 * @param {string} [options.version]      VS Code version, or `stable` for the newest (default: env
 *   VSCODE_TEST_VERSION, else the oldest that engines.vscode allows)
 * @returns {Promise<number>}
 */
export async function runTestsInElectron({ extensionPath, testsPath, workspacePath, env = {}, settings = {}, version }) {
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
    return await runTests({
      version: version ?? process.env.VSCODE_TEST_VERSION ?? oldestSupportedVersion(),
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
    console.error(
      'usage: node test/host/electron.mjs --extension <dir> --tests <run() module> [--workspace <dir>] [--version <x.y.z>|stable]',
    );
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
