// Bundles the extension-host tests: one CommonJS file per test, `vscode` and mocha from the host.
import { readdirSync, rmSync } from 'node:fs';
import * as esbuild from 'esbuild';

const dir = 'test/integration';
const entryPoints = [
  `${dir}/index.ts`,
  ...readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `${dir}/${f}`),
];

// index.js runs every *.test.js it finds: a test since removed from the tree must not run on from an old build.
rmSync('out/integration', { recursive: true, force: true });
await esbuild.build({
  entryPoints,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: 'out/integration',
  external: ['vscode', 'mocha'],
  sourcemap: 'inline',
  logLevel: 'warning',
});
