import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/** Entry the VS Code host calls (extensionTestsPath): runs every bundled *.test.js beside this file. */
export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 60_000,
    slow: 2_000,
    color: false,
    // Spec output for people, totals in AGENT_RESOURCES_RESULTS_FILE for test/run-all.mjs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS reporter loaded at run time
    reporter: require(join(__dirname, '..', '..', 'test', 'support', 'count-reporter.cjs')),
  });
  const only = process.env.AGENT_RESOURCES_TEST_GREP;
  if (only) mocha.grep(new RegExp(only));
  // Restricted Mode tests need a window that has not trusted its folder: run.mjs opens one for them.
  const restricted = process.env.AGENT_RESOURCES_RESTRICTED === '1';
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f.endsWith('.restricted.test.js') === restricted)
    .sort())
    mocha.addFile(join(__dirname, file));
  const stopWatching = failOnUnhandledRejections(mocha.suite);
  try {
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    if (failures > 0) throw new Error(`${failures} test(s) failed.`);
  } finally {
    stopWatching();
  }
}

/**
 * Root hooks that fail the run when any promise rejection went unhandled while it ran (the
 * extension and the tests share this process), naming the test it happened in, with its stack.
 * The host only logs "rejected promise not handled within 1 second"; its listener does not stop ours.
 */
function failOnUnhandledRejections(root: Mocha.Suite): () => void {
  // By promise: mocha re-emits each rejection it did not cause, so the listener hears it twice.
  const seen = new Map<Promise<unknown>, { reason: unknown; during: string }>();
  let during = 'before the first test';
  const listener = (reason: unknown, promise: Promise<unknown>) => {
    if (!seen.has(promise)) seen.set(promise, { reason, during });
  };
  process.on('unhandledRejection', listener);
  root.beforeEach(function () {
    during = this.currentTest?.fullTitle() ?? during;
  });
  root.afterEach(async function () {
    // Node reports a rejection once the microtasks of its turn have run: let the test's ones arrive first.
    await new Promise((resolve) => setImmediate(resolve));
    during = `after "${this.currentTest?.fullTitle() ?? ''}"`;
  });
  root.afterAll(async function () {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (seen.size === 0) return;
    const list = [...seen.values()].map(
      ({ reason, during: when }, i) => `${i + 1}. during ${when}:\n${reason instanceof Error ? reason.stack : String(reason)}`,
    );
    const error = new Error(`${seen.size} unhandled promise rejection(s):\n${list.join('\n\n')}`);
    error.stack = error.message; // the rejections' stacks are what matter, not this hook's
    throw error;
  });
  return () => process.off('unhandledRejection', listener);
}
