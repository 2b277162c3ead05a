// mocha's spec reporter, plus a pass/fail count written to $STEPFLOW_COUNTS_FILE so that
// test/run-all.mjs can add up every suite (unit, VS Code host, browser) into one line.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const file = process.env.STEPFLOW_COUNTS_FILE;
      if (file) {
        fs.writeFileSync(file, JSON.stringify({ passed: this.stats.passes, failed: this.stats.failures }));
      }
    });
  }
}
module.exports = CountingReporter;
