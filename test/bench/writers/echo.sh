#!/bin/bash
# A bash `echo` loop: N lines (default 400,000) of exactly 80 bytes, a step every 1,000
# lines, the same text as test/bench/producer.mjs. echo is a builtin that writes each line
# itself (one write(2) per line), buffered or not.
n=${1:-400000}
for ((i = 0; i < n; i++)); do
  s=$((i / 1000))
  k=$((i % 1000))
  if ((k == 0)); then
    t="STEP_START:step $s"
  elif ((k == 999)); then
    t="STEP_COMPLETE:step $s"
  else
    printf -v sec '%02d' $((i % 60))
    t="[12:00:$sec] INFO line $i: compiling module, all fine"
  fi
  printf -v line '%-79s' "$t"
  echo "$line"
done
