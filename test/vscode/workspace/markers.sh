#!/usr/bin/env bash
# Fixture: marker lines shown as what they mean (terminal, log viewer), the script's terminal
# reused by its next run, and a step click revealing its STEP_START line.
echo "STEP_START:Build"
echo "META:PROGRESS:20"
echo "STEP_START:Compile"
printf '\033[32mcompiled\033[0m main.c\n'
echo "META:PROGRESS:60"
echo "STEP_COMPLETE:Compile"
echo "STEP_START:Link"
echo "linking app"
echo "STEP_WARNING:the binary is not stripped"
echo "STEP_COMPLETE:Link"
echo "STEP_COMPLETE:Build"
