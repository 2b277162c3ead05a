#!/usr/bin/env bash
# A typical build script with StepFlow markers: plain echo lines, nothing to install.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p out

echo "META:DESCRIPTION:Build, test and package the demo app"

echo "STEP_START:Environment Setup"
echo "META:ESTIMATED_DURATION:1"
echo "Checking tools…"
for tool in bash sed awk; do
  printf '  found %s\n' "$tool"
  sleep 0.2
done
echo "STEP_COMPLETE:Environment Setup"

echo "STEP_START:Build"
echo "STEP_START:Compile"
for i in 1 2 3 4 5; do
  echo "compiling module $i/5"
  echo "META:PROGRESS:$((i * 20))"
  sleep 0.3
done
echo "STEP_COMPLETE:Compile"
echo "STEP_START:Link"
sleep 0.4
echo "linked demo-app"
echo "STEP_COMPLETE:Link"
echo "STEP_COMPLETE:Build"

echo "STEP_START:Tests"
printf '\033[32mPASS\033[0m unit/math.test\n'
printf '\033[32mPASS\033[0m unit/strings.test\n'
echo "STEP_WARNING:shell_example.sh:35: 1 test is marked flaky"
sleep 0.5
printf '<testsuite tests="2" failures="0"/>\n' > out/junit.xml
echo "ARTIFACT:out/junit.xml:Test Report"
echo "STEP_COMPLETE:Tests"

echo "STEP_START:Package"
tar -czf out/demo-app.tar.gz shell_example.sh
echo "ARTIFACT:out/demo-app.tar.gz:Release archive"
echo "STEP_COMPLETE:Package"
echo "All done."
