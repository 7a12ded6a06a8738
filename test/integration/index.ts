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
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, file));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    if (unhandled.length) throw new Error(`Unhandled promise rejections during the tests: ${unhandled.map(String).join('; ')}`);
    if (failures > 0) throw new Error(`${failures} test(s) failed.`);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}
