#!/bin/bash
# awk printing N lines (default 400,000) of exactly 80 bytes, a step every 1,000 lines, the
# same text as test/bench/producer.mjs. awk's stdio block-buffers a file or a pipe; under
# the runner's `stdbuf -oL` (and in a terminal) it writes one line per write(2).
awk -v n="${1:-400000}" 'BEGIN {
  for (i = 0; i < n; i++) {
    s = int(i / 1000); k = i % 1000
    if (k == 0) t = sprintf("STEP_START:step %d", s)
    else if (k == 999) t = sprintf("STEP_COMPLETE:step %d", s)
    else t = sprintf("[12:00:%02d] INFO line %d: compiling module, all fine", i % 60, i)
    printf "%-79s\n", t
  }
}'
