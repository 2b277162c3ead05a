// A lock folder beside an install target, so two test runs (say `npm test` and a single
// suite started meanwhile) never install into the same folder at once. A lock whose holder
// is gone is taken over.
import fs from 'node:fs';
import path from 'node:path';

/** Runs fn while holding `<target>.lock`; waits up to 15 minutes for another holder. */
export async function withInstallLock(target, fn) {
  const lock = `${target}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = NaN;
      try { holder = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')); } catch {}
      let alive = false;
      if (holder) try { process.kill(holder, 0); alive = true; } catch {}
      if (!alive) {
        // Stale (holder gone) — or just created and pid not yet written: give it a moment.
        const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
        if (holder || age > 5000) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for install lock ${lock} (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
