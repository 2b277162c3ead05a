#!/usr/bin/env bash
# Nested steps, a warning and a failing step whose error points at a file and line:
# StepFlow shows the error under its step and in the Problems panel.
cd "$(dirname "$0")"

echo "STEP_START:Tests"
echo "META:ESTIMATED_DURATION:2"
echo "STEP_START:unit"
echo "running 12 unit tests"
sleep 0.5
echo "STEP_COMPLETE:unit"
echo "STEP_START:integration"
echo "STEP_WARNING:nested_failing.sh:13: database fixture is stale"
sleep 0.5
echo "expected 200, got 500" >&2
echo "STEP_ERROR:nested_failing.sh:16: integration test 'upload' failed"
echo "STEP_COMPLETE:Tests"

echo "STEP_START:Never reached"
exit 3
