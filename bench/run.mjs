// npm run bench: the performance figures of the extension, in one run (about 6 minutes on 2 cores).
//   1. the production bundle's size;
//   2. a throwaway Postgres with 1,000,000 resources (100,000 for one user), bulk-seeded; the
//      list queries through the project's functions and as the same SQL through postgres.js, with
//      their plans (bench/db.ts);
//   3. the local library's server: first-ever start, cold start, second process (bench/local.ts);
//   4. inside a real VS Code extension host: activate(), save-selection-to-visible, browsing the
//      100,000-resource library page by page: memory and queries (bench/host/index.ts);
//   5. in a real workbench: opening the view to rows shown, warm and cold, and Save as Resource
//      through the UI to the row on screen (bench/lib/views.mjs); then the same steps on a minimal
//      extension with the same rows from memory (bench/floor-extension): the floor, and ours / floor;
//   6. activate() in more fresh extension hosts;
//   7. run after 4, on the same seeded database: the MCP server (dist/mcp.js) through a real SDK
//      client over stdio (bench/mcp.ts);
//   8. a team of 500 members through PgBouncer in transaction pooling, in front of a Postgres
//      with max_connections 40 (bench/team.ts).
// Parts by name run alone: `npm run bench -- team` (names: bundle, database, local, host, mcp,
// view, activation, team; host and mcp bring database, whose server they use). bench/results.json
// then keeps the other parts' figures of the last run that measured them (`parts` says when).
// Prints a table and writes bench/results.json. Every server, window and temp folder it starts
// lives under one temp folder, swept and removed at the end, also after a failure or a timeout.
// Knobs (environment): BENCH_RUNS (query runs, 30), BENCH_ACTIVATE_HOSTS (extra hosts, 4),
// BENCH_VIEW_RUNS (5), BENCH_SAVE_RUNS (20), BENCH_UI_SAVE_RUNS (8), BENCH_TIMEOUT_MS (hard limit, 15 min),
// BENCH_BIG_USER_RESOURCES / BENCH_OTHER_USERS (a smaller seed, for trying the bench out).
import { execFileSync, fork } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { children, runTs, stopChildren, sweep, sweepSync } from './lib/processes.mjs';
import { table } from './lib/report.mjs';

const root = resolve(import.meta.dirname, '..');
const partNames = ['bundle', 'database', 'local', 'host', 'mcp', 'view', 'activation', 'team'];
const selected = new Set(process.argv.slice(2));
const unknownParts = [...selected].filter((p) => !partNames.includes(p));
if (unknownParts.length) {
  console.error(`[bench] no part named ${unknownParts.join(', ')}: the parts are ${partNames.join(', ')} (none named: all)`);
  process.exit(2);
}
if (selected.has('host') || selected.has('mcp')) selected.add('database');
const wanted = (/** @type {string} */ part) => selected.size === 0 || selected.has(part);
const startedAt = Date.now();
const log = (/** @type {string} */ line) => console.log(`[bench] ${line}`);
const env = (/** @type {string} */ name, /** @type {number} */ fallback) => Number(process.env[name] ?? fallback);

// Everything the bench starts makes its temp folders in here (children inherit TMPDIR). A short
// name: chromium's socket path, several folders deeper, must stay under 108 characters.
const benchRoot = mkdtempSync(join(tmpdir(), 'arbench-'));
chmodSync(benchRoot, 0o755); // the bench's own seed servers in here run as the OS user postgres when this is root
process.env.TMPDIR = benchRoot;

/** @typedef {import('./lib/report.mjs').Figure} Figure */
/** @type {Figure[]} */
const figures = [];
/** @type {string[]} */
const notes = [];
/** @type {Record<string, unknown>} */
const details = {};
/** @type {Record<string, number>} */
const durations = {};
const load = { start: loadavg().map((l) => Number(l.toFixed(2))), end: /** @type {number[]} */ ([]) };

/** @param {string} key @param {string} label @param {string} unit @param {string} why @param {Figure['target']} [target] */
const notMeasured = (key, label, unit, why, target) => ({
  key,
  label,
  unit,
  median: null,
  min: null,
  max: null,
  n: 0,
  target,
  holds: null,
  note: `not measured: ${why}`,
});

/** @param {number[]} values */
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** @param {string} key @param {string} label @param {string} unit @param {number[]} samples @param {Figure['target']} [target] @param {string} [note] @returns {Figure} */
const figure = (key, label, unit, samples, target, note) =>
  samples.length === 0
    ? notMeasured(key, label, unit, note ?? 'no samples', target)
    : {
        key,
        label,
        unit,
        median: median(samples),
        min: Math.min(...samples),
        max: Math.max(...samples),
        n: samples.length,
        target,
        holds: target ? median(samples) <= target.max : null,
        note,
      };

/** Set on SIGINT/SIGTERM: no further part starts. */
let stopping = false;

/** Runs one part; a failure is noted and the bench goes on with the next part. @param {string} name @param {() => Promise<void>} work */
async function phase(name, work) {
  if (stopping) return;
  const t = Date.now();
  log(`${name}...`);
  try {
    await work();
  } catch (err) {
    // The first lines only: playwright's errors carry the whole browser log.
    const message = /** @type {Error} */ (err).message.split('\n').slice(0, 3).join(' ').slice(0, 400);
    notes.push(`${name}: ${message}`);
    log(`${name} failed: ${message}`);
  } finally {
    durations[name] = Number(((Date.now() - t) / 1000).toFixed(1));
    log(`${name}: ${durations[name]} s`);
  }
}

/** @type {Promise<void> | undefined} */
let cleaning;
let cleaned = false;
/** Stops what the bench started and removes its temp folder; every caller waits for the same run. */
function cleanup() {
  cleaning ??= (async () => {
    await stopChildren();
    // Again until nothing is left: a process being stopped may have started another (the
    // extension host its detached Postgres) after the first look.
    let swept = 0;
    for (let pass = 0; pass < 5; pass++) {
      const found = await sweep(benchRoot);
      swept += found;
      if (!found) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (swept) log(`stopped ${swept} leftover process(es)`);
    rmSync(benchRoot, { recursive: true, force: true });
    cleaned = true;
  })();
  return cleaning;
}
// Whatever ends the process (playwright exits at once on SIGINT, before the cleanup above has
// run), nothing the bench started outlives it.
process.on('exit', () => {
  if (cleaned) return;
  sweepSync(benchRoot);
  rmSync(benchRoot, { recursive: true, force: true });
});

const hardLimit = env('BENCH_TIMEOUT_MS', 15 * 60_000);
const watchdog = setTimeout(() => {
  log(`the bench did not finish within ${hardLimit / 60_000} min: stopping`);
  void cleanup().finally(() => process.exit(124));
}, hardLimit);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  // The test host re-raises the signal after closing its own window: one stop is enough.
  process.on(signal, () => {
    if (!stopping) log(`${signal}: stopping`);
    stopping = true;
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// 1. Bundle

async function bundle() {
  execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { cwd: root, stdio: 'pipe' });
  const bytes = statSync(join(root, 'dist', 'extension.js')).size;
  figures.push(
    figure('ext.bundle', 'production bundle dist/extension.js (Postgres binaries not included)', 'KiB', [bytes / 1024], {
      max: 1024,
      text: '<= 1 MB',
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// 2. Database: forked with IPC; the seeded server stays up until told to stop.

/** @type {{ url: string, email: string, stop(): Promise<void> } | undefined} */
let seeded;

async function database() {
  const child = fork(join(root, 'bench', 'db.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const exited = new Promise((done) =>
    child.once('exit', (code) => {
      children.delete(child);
      done(code);
    }),
  );
  const results = await new Promise((resolveResults, reject) => {
    const timer = setTimeout(() => reject(new Error('the database part did not finish within 8 min')), 8 * 60_000);
    child.on('message', (/** @type {any} */ m) => {
      if (m?.type === 'results') {
        clearTimeout(timer);
        resolveResults(m.results);
      }
      if (m?.type === 'ready') {
        seeded = {
          url: m.url,
          email: m.email,
          stop: async () => {
            if (child.connected) child.send({ type: 'stop' });
            await exited;
          },
        };
      }
    });
    exited.then((code) => reject(new Error(`bench/db.ts exited with code ${code}`)));
  });
  figures.push({
    key: 'db.seed',
    label: `seed ${results.seed.rows.resources.toLocaleString('en')} resources (bulk INSERT ... SELECT, indexes, VACUUM ANALYZE)`,
    unit: 's',
    median: results.seed.ms / 1000,
    min: null,
    max: null,
    n: 1,
    holds: null,
    note: Object.entries(results.seed.phases)
      .map(([k, v]) => `${k} ${/** @type {number} */ (v / 1000).toFixed(1)} s`)
      .join(', '),
  });
  figures.push(...results.figures);
  details.db = {
    seed: results.seed,
    terms: results.terms,
    server: results.server,
    plans: results.plans,
    searchSpread: results.searchSpread,
  };
  // Wait a moment for the ready message that follows the results.
  for (let i = 0; i < 50 && !seeded; i++) await new Promise((r) => setTimeout(r, 100));
}

// ---------------------------------------------------------------------------------------------
// 3. Local server starts

async function localServer() {
  const result = await runTs(root, join(root, 'bench', 'local.ts'), [], { timeoutMs: 4 * 60_000 });
  figures.push(...result.figures);
  details.local = result.phases;
}

// ---------------------------------------------------------------------------------------------
// 4. + 6. Inside the extension host

let hostModule = '';
let hostRuns = 0;

/** @param {{ teamUrl?: string, email: string, mode: 'full' | 'activate', timeoutMs: number }} options */
async function inHost({ teamUrl, email, mode, timeoutMs }) {
  if (!hostModule) {
    const { buildHostModule } = await import('./host/build.mjs');
    hostModule = join(benchRoot, 'host-module', 'index.js');
    await buildHostModule(hostModule);
  }
  const { runTestsInHost } = await import('../test/host/run.mjs');
  const run = ++hostRuns;
  const outFile = join(benchRoot, `host-results-${run}.json`);
  const workspace = join(benchRoot, `workspace-${run}`);
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'notes.md'), '# Notes\n');
  const code = await runTestsInHost({
    extensionPath: root,
    testsPath: hostModule,
    workspacePath: workspace,
    settings: { 'agentResources.userEmail': email, 'agentResources.team.tlsMode': 'disable' },
    env: { BENCH_HOST_RESULTS: outFile, BENCH_TEAM_URL: teamUrl ?? '', BENCH_HOST_MODE: mode },
    timeoutMs,
  });
  /** @type {{ figures: Figure[], notes: string[], details: Record<string, unknown> }} */
  let results;
  try {
    results = JSON.parse(readFileSync(outFile, 'utf8'));
  } catch {
    throw new Error(`the extension host run wrote no results (exit code ${code})`);
  }
  notes.push(...results.notes);
  return results;
}

/** @type {number[]} */
const activations = [];
/** @type {number[]} */
const activationLoads = [];

async function extensionHost() {
  const results = await inHost({
    teamUrl: seeded?.url,
    email: seeded?.email ?? 'bench-big@example.com',
    mode: 'full',
    timeoutMs: 6 * 60_000,
  });
  for (const f of results.figures) {
    if (f.key === 'ext.activate') {
      if (f.median !== null) activations.push(f.median);
      else notes.push(`activate(): ${f.note}`);
    } else if (f.key === 'ext.activateLoad') {
      if (f.median !== null) activationLoads.push(f.median);
    } else {
      figures.push(f);
    }
  }
  details.host = results.details;
}

async function moreActivations() {
  const hosts = env('BENCH_ACTIVATE_HOSTS', 4);
  for (let i = 0; i < hosts; i++) {
    const results = await inHost({ email: 'bench-activate@example.com', mode: 'activate', timeoutMs: 2 * 60_000 });
    const f = results.figures.find((x) => x.key === 'ext.activate');
    if (f?.median != null) activations.push(f.median);
    const load = results.figures.find((x) => x.key === 'ext.activateLoad');
    if (load?.median != null) activationLoads.push(load.median);
  }
}

// ---------------------------------------------------------------------------------------------
// 7. The MCP server on the seeded database (alone: node --import tsx bench/mcp.ts)

async function mcpServer() {
  if (!seeded) throw new Error('no seeded database: the database part did not finish');
  const result = await runTs(root, join(root, 'bench', 'mcp.ts'), [seeded.url, seeded.email], { timeoutMs: 3 * 60_000 });
  figures.push(...result.figures);
}

// ---------------------------------------------------------------------------------------------
// 8. A team of 500 through PgBouncer (alone: node --import tsx bench/team.ts)

async function team() {
  const result = await runTs(root, join(root, 'bench', 'team.ts'), [], { timeoutMs: 8 * 60_000 });
  figures.push(...result.figures);
  details.team = result.details;
}

// ---------------------------------------------------------------------------------------------
// 5. View to rows

async function views() {
  const { measureViews } = await import('./lib/views.mjs');
  const runs = env('BENCH_VIEW_RUNS', 5);
  const result = await measureViews({
    root,
    warmRuns: runs,
    coldRuns: runs,
    saveRuns: env('BENCH_UI_SAVE_RUNS', 8),
    libraryRows: 1000,
    log,
  });
  notes.push(...result.notes);
  details.view = { breakdown: result.breakdown, rows: result.rows, floor: result.floor };
  /** @param {'warm' | 'cold'} kind @param {string} part */
  const part = (kind, part) => result.breakdown[kind].map((b) => /** @type {any} */ (b)?.[part]).filter((v) => typeof v === 'number');
  const split = (/** @type {'warm' | 'cold'} */ kind) => {
    const med = (/** @type {string} */ p) => (part(kind, p).length ? `${Math.round(median(part(kind, p)))} ms` : '?');
    return `median split: click to activation event ${med('clickToActivation')}, activation to connected ${med('activationToConnected')} (of which connecting ${med('connect')}), connected to rows ${med('connectedToRows')}`;
  };
  figures.push(
    figure(
      'ext.viewWarm',
      'open the view to rows shown, warm local server (fresh window each)',
      'ms',
      result.warm,
      { max: 300, text: '<= 300 ms' },
      split('warm'),
    ),
  );
  figures.push(
    figure(
      'ext.viewCold',
      'open the view to rows shown, cold local server (stopped, data kept)',
      'ms',
      result.cold,
      undefined,
      split('cold'),
    ),
  );
  const floorSplit = () => {
    const at = result.breakdown.floor.map((b) => /** @type {any} */ (b)?.clickToActivation).filter((v) => typeof v === 'number');
    return at.length ? `median split: click to activation event ${Math.round(median(at))} ms` : undefined;
  };
  figures.push(
    figure(
      'ext.viewWarm.floor',
      '  the floor: a minimal extension, the same rows from memory (same host, same steps)',
      'ms',
      result.floor.warm,
      undefined,
      floorSplit(),
    ),
    ratio('ext.viewWarm.floorRatio', '  open the view, ours / the floor', result.warm, result.floor.warm),
  );
  figures.push(
    figure('ext.saveToVisibleUi', 'save-selection-to-visible through the UI (last Enter to the row in the view)', 'ms', result.save, {
      max: 150,
      text: '<= 150 ms',
    }),
    figure('ext.saveToVisibleUi.floor', '  the floor: the minimal extension adds the row and reveals it', 'ms', result.floor.save),
    ratio('ext.saveToVisibleUi.floorRatio', '  save to visible, ours / the floor', result.save, result.floor.save),
  );
}

/** Median over median, target <= 1.3x; min and max are the ratio's range over the two samples' extremes. @param {string} key @param {string} label @param {number[]} ours @param {number[]} floor @returns {Figure} */
function ratio(key, label, ours, floor) {
  const target = { max: 1.3, text: '<= 1.3x' };
  if (!ours.length || !floor.length) return notMeasured(key, label, 'x', 'no samples of ours or of the floor', target);
  const value = median(ours) / median(floor);
  return {
    key,
    label,
    unit: 'x',
    median: value,
    min: null,
    max: null,
    n: 1,
    target,
    holds: value <= target.max,
    note: `medians ${Math.round(median(ours))} / ${Math.round(median(floor))} ms (${ours.length} and ${floor.length} samples)`,
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  log(`temp folder ${benchRoot}; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${load.start.join(' ')}`);
  if (wanted('bundle')) await phase('bundle', bundle);
  if (wanted('database')) await phase('database', database);
  if (wanted('local')) await phase('local server', localServer);
  if (wanted('host')) await phase('extension host', extensionHost);
  if (wanted('mcp')) await phase('mcp server', mcpServer);
  await phase('stop the seeded server', async () => {
    await seeded?.stop();
    seeded = undefined;
  });
  if (wanted('view')) await phase('view', views);
  if (wanted('activation')) await phase('activation', moreActivations);
  if (wanted('team')) await phase('team', team);
  if (stopping) {
    log('interrupted: no table, bench/results.json left as it was');
    return;
  }

  // activate() next to the bundle; then the rest in the order measured.
  if (wanted('host') || wanted('activation')) {
    const bundleAt = figures.findIndex((f) => f.key === 'ext.bundle');
    figures.splice(
      bundleAt + 1,
      0,
      figure('ext.activate', 'activate() in a fresh extension host (one sample per host)', 'ms', activations, {
        max: 50,
        text: '<= 50 ms',
      }),
      figure('ext.activateLoad', '  of which loading dist/extension.js (compile + top level)', 'ms', activationLoads),
    );
  }
  load.end = loadavg().map((l) => Number(l.toFixed(2)));
  const totalSeconds = (Date.now() - startedAt) / 1000;

  const plans =
    /** @type {{ label: string, plan: { lines: string[], indexes: string[], planningMs: number, executionMs: number, prepared?: { genericPlans: number, customPlans: number, genericIndexes?: string[] } } }[]} */ (
      /** @type {any} */ (details.db)?.plans ?? []
    );
  if (plans.length) {
    console.log('\nPlans (EXPLAIN ANALYZE, BUFFERS; one line per node):');
    for (const p of plans) {
      const prepared = p.plan.prepared;
      const how = prepared
        ? `prepared statement: ${prepared.customPlans} custom, ${prepared.genericPlans} generic plans${prepared.genericIndexes ? ` (generic plan uses ${prepared.genericIndexes.join(', ')})` : ''}`
        : 'unnamed statement: planned for its values each time';
      console.log(
        `\n${p.label}  [planning ${p.plan.planningMs.toFixed(2)} ms, execution ${p.plan.executionMs.toFixed(2)} ms; indexes: ${p.plan.indexes.join(', ') || 'none'}; ${how}]`,
      );
      for (const line of p.plan.lines) console.log(`  ${line}`);
    }
  }
  console.log(`\n${table(figures)}`);
  if (notes.length) console.log(`\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}`);
  const missed = figures.filter((f) => f.holds === false);
  console.log(
    `\n${figures.filter((f) => f.holds === true).length} targets hold, ${missed.length} missed${missed.length ? `: ${missed.map((f) => f.label).join('; ')}` : ''}.`,
  );
  console.log(
    `Bench took ${(totalSeconds / 60).toFixed(1)} min (${Object.entries(durations)
      .map(([k, v]) => `${k} ${v} s`)
      .join(', ')}); load average ${load.start.join(' ')} at the start, ${load.end.join(' ')} at the end.`,
  );

  const date = new Date(startedAt).toISOString();
  const measuredParts = partNames.filter(wanted);
  const previous = selected.size ? readPrevious() : undefined;
  const keys = new Set(figures.map((f) => f.key));
  writeFileSync(
    join(root, 'bench', 'results.json'),
    `${JSON.stringify(
      {
        date,
        parts: { ...previous?.parts, ...Object.fromEntries(measuredParts.map((p) => [p, date])) },
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model,
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          node: process.version,
          load,
        },
        totalSeconds,
        durations,
        // A run of some parts keeps the others' figures and details from the file.
        figures: [...(previous?.figures ?? []).filter((/** @type {Figure} */ f) => !keys.has(f.key)), ...figures],
        notes,
        details: { ...previous?.details, ...details },
      },
      null,
      2,
    )}\n`,
  );
  log('wrote bench/results.json');
}

/** The last results, for a run of some parts; undefined when there are none. */
function readPrevious() {
  try {
    return JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

try {
  await main();
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(0);
