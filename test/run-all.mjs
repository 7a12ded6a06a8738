// Runs every suite, each in its own process, and prints the totals as the last line:
// "N passed, N failed". Exits non-zero when any test failed or a suite could not run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const suites = [
  { name: 'data layer (plain Node, real Postgres)', command: ['npx', 'mocha', '--config', 'test/db/.mocharc.json'] },
  { name: 'storage (plain Node, real Postgres)', command: ['npx', 'mocha', '--config', 'test/storage/.mocharc.json'] },
  { name: 'library and model (plain Node, real Postgres)', command: ['npx', 'mocha', '--config', 'test/library/.mocharc.json'] },
  { name: 'MCP server (SDK client over stdio, real Postgres)', command: ['npx', 'mocha', '--config', 'test/mcp/.mocharc.json'] },
  { name: 'extension (real VS Code host: the oldest supported)', command: ['node', 'test/integration/run.mjs'] },
  { name: 'extension (real VS Code host: the newest that runs here)', command: ['node', 'test/integration/run.mjs', '--host', 'newest'] },
  { name: 'user interface (workbench in headless Chromium)', command: ['npx', 'mocha', '--config', 'test/ui/.mocharc.json'] },
  { name: 'newcomers (fresh copy, npm ci, npm start, in the browser)', command: ['node', 'test/newcomer/run.mjs'] },
];

const only = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'agent-resources-results-'));
const totals = { passed: 0, failed: 0, skipped: 0 };

for (const [index, suite] of suites.entries()) {
  if (only.length && !only.some((o) => suite.name.startsWith(o))) continue;
  const resultsFile = join(dir, `${index}.json`);
  console.log(`\n=== ${suite.name} ===`);
  const run = spawnSync(suite.command[0], suite.command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, AGENT_RESOURCES_RESULTS_FILE: resultsFile },
  });
  let counts;
  try {
    counts = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {
    counts = { passed: 0, failed: 0, skipped: 0 };
  }
  // A suite that crashed before reporting, or exited non-zero with no failure counted, is one failure.
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1;
  console.log(`--- ${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  for (const key of Object.keys(totals)) totals[key] += counts[key] ?? 0;
}

rmSync(dir, { recursive: true, force: true });
if (process.env.AGENT_RESOURCES_TOTALS_FILE) writeFileSync(process.env.AGENT_RESOURCES_TOTALS_FILE, JSON.stringify(totals));
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed > 0 ? 1 : 0);
