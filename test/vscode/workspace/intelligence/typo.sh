#!/usr/bin/env bash
# Fixture: a misspelt marker keyword that the editor underlines and fixes.
echo "STEP_STRAT:Build"
echo "building"
echo "STEP_COMPLETE:Build"

