// mocha's spec reporter, plus a pass/fail count written to $STEPFLOW_COUNTS_FILE so that
// test/run-all.mjs can add up every suite (unit, VS Code host, browser) into one line.
//
// It also turns a hang into a failure: mocha waits for every open handle before it exits, so
// a child process or a file watcher that a test left behind (typically one that timed out
// half-way) would keep the suite running until CI's own limit, with no result line. If the
// process is still alive a while after the last test, the reporter says what is still open,
// ends the children it knows of, counts one more failure and exits.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

const EXIT_GRACE_MS = Number(process.env.STEPFLOW_EXIT_GRACE_MS ?? 60_000);

/** One line per handle that keeps the event loop alive, as far as Node tells. */
function describeHandles(handles) {
  return handles.map((h) => {
    const kind = h?.constructor?.name ?? typeof h;
    if (typeof h?.pid === 'number' && Array.isArray(h.spawnargs)) return `${kind} pid ${h.pid}: ${h.spawnargs.join(' ').slice(0, 160)}`;
    if (typeof h?.remotePort === 'number') return `${kind} to port ${h.remotePort}`;
    return kind;
  });
}

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const file = process.env.STEPFLOW_COUNTS_FILE;
      const counts = { passed: this.stats.passes, failed: this.stats.failures };
      if (file) fs.writeFileSync(file, JSON.stringify(counts));
      setTimeout(() => {
        const handles = process._getActiveHandles();
        console.error(`\nthe suite did not exit ${EXIT_GRACE_MS / 1000} s after its last test; still open:\n  ${describeHandles(handles).join('\n  ')}\ncounted as a failure`);
        for (const h of handles) if (typeof h?.kill === 'function' && typeof h.pid === 'number') h.kill('SIGKILL');
        if (file) fs.writeFileSync(file, JSON.stringify({ ...counts, failed: counts.failed + 1 }));
        // mocha sets the exit code to its failure count in an 'exit' listener of its own; this
        // one runs after it.
        process.on('exit', () => (process.exitCode = 1));
        process.exit(1);
      }, EXIT_GRACE_MS).unref();
    });
  }
}
module.exports = CountingReporter;
