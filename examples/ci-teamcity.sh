#!/usr/bin/env bash
# TeamCity service messages: blocks and progress become steps, tests become child steps with
# their own durations, a failed test fails its step with its details, statistics are metadata.
echo "##teamcity[blockOpened name='Compile' description='all modules']"
echo "##teamcity[progressStart 'linking |'core|'']"
echo "##teamcity[progressFinish 'linking |'core|'']"
echo "##teamcity[blockClosed name='Compile']"
echo "##teamcity[testSuiteStarted name='unit']"
echo "##teamcity[testStarted name='parser accepts |[brackets|]']"
echo "##teamcity[testFinished name='parser accepts |[brackets|]' duration='42']"
echo "##teamcity[testStarted name='store survives a crash']"
echo "##teamcity[testFailed name='store survives a crash' message='expected 3 rows' details='at store.test.ts:88|nat run']"
echo "##teamcity[testFinished name='store survives a crash' duration='1250']"
echo "##teamcity[testIgnored name='slow test' message='flaky on CI']"
echo "##teamcity[testSuiteFinished name='unit']"
echo "##teamcity[buildStatisticValue key='coverage' value='87.5']"
echo "##teamcity[message text='disk almost full' status='WARNING']"
echo "##teamcity[publishArtifacts 'ci-teamcity.sh => scripts.zip']"
