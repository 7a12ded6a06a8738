// `npm start`: builds the extension and opens a VS Code with it on the local library.
// Desktop VS Code when one is installed (and a display is there); otherwise the offline
// code-server host on 127.0.0.1, whose address is printed. Ctrl+C stops it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureHost } from '../test/host/install.mjs';
import { codeServerArgs, DEFAULT_SETTINGS, freePort } from '../test/host/run.mjs';

const root = resolve(import.meta.dirname, '..');
execFileSync(process.execPath, [join(root, 'esbuild.mjs')], { stdio: 'inherit', cwd: root });

const desktop = spawnSync('code', ['--version'], { encoding: 'utf8' });
if (desktop.status === 0 && (process.env.DISPLAY || process.platform !== 'linux')) {
  console.log(`Opening VS Code ${desktop.stdout.split('\n')[0]} with the extension from ${root}`);
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${root}`, root], { stdio: 'inherit', detached: true }).unref();
} else {
  await startCodeServer();
}

/** A persistent profile, so the local library survives restarts of `npm start`. */
async function startCodeServer() {
  const host = await ensureHost();
  const profile = process.env.AGENT_RESOURCES_DEV_PROFILE ?? join(homedir(), '.cache', 'agent-resources-dev');
  const userData = join(profile, 'user-data');
  // Only the folder the settings file goes in; VS Code makes its other folders itself, with its own modes.
  mkdirSync(join(userData, 'User'), { recursive: true });
  const settings = join(userData, 'User', 'settings.json');
  if (!existsSync(settings)) writeFileSync(settings, JSON.stringify(DEFAULT_SETTINGS, null, 2));
  writeFileSync(join(profile, 'config.yaml'), 'auth: none\n');
  const port = Number(process.env.PORT) || (await freePort());
  const server = spawn(
    host.nodePath,
    codeServerArgs(host, { port, config: join(profile, 'config.yaml'), userData, extensionsDir: join(profile, 'extensions') }),
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, EXTENSIONS_GALLERY: '{}' },
    },
  );
  const remote = `vscode-remote://127.0.0.1:${port}${root}`;
  const url = new URL(`http://127.0.0.1:${port}/`);
  url.searchParams.set('folder', root);
  url.searchParams.set('payload', JSON.stringify([['extensionDevelopmentPath', remote]]));
  for (let i = 0; i < 300; i++) {
    try {
      if ((await globalThis.fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`\nAgent Resources is running in VS Code (code-server ${host.codeServerVersion}) on 127.0.0.1 only.`);
  console.log(`Open this address in a browser on this machine (or through an SSH tunnel):\n\n  ${url.href}\n`);
  console.log('Press Ctrl+C to stop.');
  const stop = () => server.kill('SIGTERM');
  process.on('SIGINT', stop).on('SIGTERM', stop);
  server.on('exit', (code) => process.exit(code ?? 0));
}
