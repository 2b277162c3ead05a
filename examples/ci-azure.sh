#!/usr/bin/env bash
# Azure Pipelines logging commands: sections and groups become steps, logissue errors fail
# their step at a location, setprogress is progress, a secret variable is masked.
echo "##vso[task.setvariable variable=dbPassword;issecret=true]${DB_PASSWORD:-az-example-s3cret}"
echo "##[section]Starting: Build"
echo "##[group]Restore"
echo "restored with password ${DB_PASSWORD:-az-example-s3cret}"
echo "##[endgroup]"
echo "##vso[task.setprogress value=50;]Build"
echo "##vso[task.logissue type=warning;sourcepath=ci-azure.sh;linenumber=2]old syntax"
echo "##vso[artifact.upload artifactname=scripts]ci-azure.sh"
echo "##[section]Finishing: Build"
echo "##[section]Starting: Test"
echo "##vso[task.logissue type=error;sourcepath=ci-azure.sh;linenumber=12;columnnumber=3]1 test failed"
echo "##[section]Finishing: Test"
