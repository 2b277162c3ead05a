#!/usr/bin/env bash
# A GitHub Actions-style script: StepFlow reads its workflow commands as they are — groups
# become steps (nested ones nest), ::error file=…,line=… fails its group and lands in the
# Problems panel, ::add-mask:: hides a value from everything StepFlow stores or shows.
set -u
echo "::add-mask::${DEPLOY_TOKEN:-gh-example-token-42}"
echo "::group::Install"
echo "npm ci … done"
echo "::notice file=package.json,line=1::lockfile is up to date"
echo "::endgroup::"

echo "::group::Lint"
echo "::group::eslint"
echo "::warning file=ci-github.sh,line=3,col=1,title=Style::prefer single quotes"
echo "::endgroup::"
echo "::endgroup::"

echo "::group::Deploy"
echo "using token ${DEPLOY_TOKEN:-gh-example-token-42}"
# Output that may contain '::' is safe between stop-commands and its token.
token="pause-$RANDOM"
echo "::stop-commands::$token"
echo "::error::this is only text, not an error"
echo "::$token::"
echo "::error file=ci-github.sh,line=20,col=6,title=Deploy failed::server answered 503%0Aretry later"
echo "::endgroup::"
echo "ARTIFACT:ci-github.sh:the script itself"

# The job summary GitHub shows on the run's page: StepFlow keeps it as the run's summary
# (the history panel's Summary tab, `stepflow show`, the reports).
{
  echo "## Deploy"
  echo "| Target | Result |"
  echo "|:--|:--|"
  echo "| staging | ❌ 503 (token ${DEPLOY_TOKEN:-gh-example-token-42}) |"
} >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
