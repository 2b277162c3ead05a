#!/usr/bin/env bash
# Fixture: a step fails with a compiler-style location that must become a diagnostic.
echo "STEP_START:Check"
echo "STEP_ERROR:failing.sh:5:3: the check found a problem"
echo "this line is where the problem is"
exit 1
