#!/usr/bin/env bash
# Fixture for the VS Code integration tests: nested steps and an artifact.
echo "STEP_START:Prepare"
echo "preparing"
echo "STEP_COMPLETE:Prepare"
echo "STEP_START:Build"
echo "STEP_START:Compile"
printf '\033[32mcompiled\033[0m\n'
echo "STEP_COMPLETE:Compile"
echo "ARTIFACT:out.txt:Build output"
echo "STEP_COMPLETE:Build"
