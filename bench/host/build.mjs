// Bundles the in-host bench module (bench/host/index.ts) into one CommonJS file; `vscode` comes from the host.
import * as esbuild from 'esbuild';

/** @param {string} outfile */
export async function buildHostModule(outfile) {
  await esbuild.build({
    entryPoints: [new URL('./index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile,
    external: ['vscode'],
    logLevel: 'warning',
  });
}
