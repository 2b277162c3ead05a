#!/usr/bin/env bash
# Fixture: run once, then its STEP_START lines show history in hover and CodeLens.
echo "STEP_START:Prepare"
echo "preparing"
echo "STEP_COMPLETE:Prepare"
