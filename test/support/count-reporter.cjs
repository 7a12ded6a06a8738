// Mocha's spec output for people, plus the totals in a file for test/run-all.mjs to add up.
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.AGENT_RESOURCES_RESULTS_FILE;
      if (!file) return;
      const { passes, failures, pending } = runner.stats ?? this.stats;
      writeFileSync(file, JSON.stringify({ passed: passes, failed: failures, skipped: pending }));
    });
  }
}
module.exports = CountReporter;
