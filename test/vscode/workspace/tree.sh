#!/usr/bin/env bash
# Fixture: a process tree that runs until cancelled; its pids go to tree.pids beside it.
PIDS_FILE="$(dirname "$0")/tree.pids"
: > "$PIDS_FILE"
echo "STEP_START:Wait"
sleep 300 & echo $! >> "$PIDS_FILE"
bash -c 'sleep 300 & echo $! >> "$1"; wait' _ "$PIDS_FILE" & echo $! >> "$PIDS_FILE"
echo $$ >> "$PIDS_FILE"
# Ready only once all four pids are written: the inner bash writes its sleep's pid on its own time.
until [ "$(wc -l < "$PIDS_FILE")" -ge 4 ]; do sleep 0.01; done
echo "STEP_START:Ready"
wait
