#!/usr/bin/env bash
# The bash helper functions: `step NAME COMMAND…` wraps a command in a step.
source "$(dirname "$0")/helpers/stepflow.sh"

step "Lint" bash -c 'echo "0 problems"'
step "Unit tests" bash -c 'echo "3 passed"; sleep 0.3'
step_start "Deploy"
meta DESCRIPTION "Copy the bundle to the staging folder"
step "Upload" bash -c 'echo "uploading"; sleep 0.2'
step_complete "Deploy"
