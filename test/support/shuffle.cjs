// A mocha root-hook plugin that runs the unit suite in a shuffled order, so a test that
// depends on another one having run first (a fixture, a global count, a file) fails at once
// instead of some day. Loaded through .mocharc.json (`require`).
//
// What is shuffled: the top-level suites of all files together (so file order too), every
// suite's child suites and every suite's tests, recursively, with a seeded PRNG. Hooks
// (before/after/beforeEach/afterEach) stay attached to their suites untouched.
//
// When: in a root `beforeAll` hook. Mocha's Runner walks `suite.suites` by index only after
// the suite's own `before` hooks ran (Runner#runSuite → next()), and copies `suite.tests`
// when it starts running them (Runner#runTests), so reordering the whole tree from the
// root's first hook is safe: nothing has been iterated yet. (With --parallel each file
// runs in its own worker; the same hook then shuffles that file's suites and tests.)
//
// The seed: $STEPFLOW_TEST_SEED (replay an order), else a fresh random one. It is printed
// before the first test and again after the last, so a failing run always shows how to
// replay it. STEPFLOW_TEST_SEED=off keeps the written order.
'use strict';

const raw = process.env.STEPFLOW_TEST_SEED;
const off = raw === 'off';
if (raw && !off && !/^\d+$/.test(raw)) {
  throw new Error(`STEPFLOW_TEST_SEED must be a non-negative integer (or "off"), not ${JSON.stringify(raw)}`);
}
const seed = raw && !off ? Number.parseInt(raw, 10) >>> 0 : (Math.random() * 0x100000000) >>> 0;
// Passed on, so that with --parallel every worker (a child of this process) uses the same seed.
if (!raw) process.env.STEPFLOW_TEST_SEED = String(seed);

/** mulberry32: small, fast, good enough to pick an order; the same seed gives the same sequence. */
function prng(a) {
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates in place. */
function shuffle(list, random) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
}

/** Depth first, in the written order, so the same seed reorders the same tree the same way. */
function shuffleTree(suite, random) {
  shuffle(suite.tests, random);
  shuffle(suite.suites, random);
  for (const child of suite.suites) shuffleTree(child, random);
}

function line() {
  return off ? 'shuffle: off (STEPFLOW_TEST_SEED=off), written order' : `shuffle seed: ${seed} (replay with STEPFLOW_TEST_SEED=${seed})`;
}

let done = false;
exports.seed = seed;
exports.shuffleTree = shuffleTree;
exports.prng = prng;
exports.mochaHooks = {
  beforeAll() {
    if (done) return;
    done = true;
    process.stdout.write(`${line()}\n`);
    if (off) return;
    let root = this.test.parent;
    while (root.parent) root = root.parent;
    shuffleTree(root, prng(seed));
  },
  afterAll() {
    process.stdout.write(`\n${line()}\n`);
  },
};
