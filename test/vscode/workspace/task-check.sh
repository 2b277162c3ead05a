#!/usr/bin/env bash
# Fixture for the task tests: a compiler-style error line for the task's problem matcher.
echo "STEP_START:Lint"
echo "task-check.sh:3:1: error: a problem the task's problem matcher reports"
echo "STEP_ERROR:lint found 1 problem"
exit 2
