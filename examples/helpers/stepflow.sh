#!/usr/bin/env bash
# StepFlow marker helpers for bash. Source this file, then:
#
#   step "Build" make all          # runs a command as a step; a failure marks the step failed
#   step_start "Deploy"; ...; step_complete "Deploy"
#   step_error "deploy.sh:42: upload refused"
#   step_warning "cache is cold"
#   artifact "out/report.html" "Coverage report"
#   meta ESTIMATED_DURATION 30
#
# The helpers only print marker lines; they work the same with or without StepFlow.

step_start()    { printf 'STEP_START:%s\n' "$1"; }
step_complete() { printf 'STEP_COMPLETE:%s\n' "${1-}"; }
step_error()    { printf 'STEP_ERROR:%s\n' "$1"; }
step_warning()  { printf 'STEP_WARNING:%s\n' "$1"; }
meta()          { printf 'META:%s:%s\n' "$1" "$2"; }

artifact() {
  if [ -n "${2-}" ]; then printf 'ARTIFACT:%s:%s\n' "$1" "$2"; else printf 'ARTIFACT:%s\n' "$1"; fi
}

# step NAME COMMAND [ARGS...] — runs COMMAND inside a step and returns its exit status.
step() {
  local name=$1; shift
  step_start "$name"
  "$@"
  local status=$?
  if [ "$status" -eq 0 ]; then
    step_complete "$name"
  else
    step_error "$name: command exited with status $status"
  fi
  return "$status"
}
