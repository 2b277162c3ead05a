#!/usr/bin/env bash
# Fixture for test/vscode/suite/configuration.test.ts: prints what its profile set.
echo "STEP_START:Env"
echo "LOG_LEVEL=${LOG_LEVEL:-unset} EXTRA=${EXTRA:-unset}"
echo "STEP_COMPLETE:Env"
