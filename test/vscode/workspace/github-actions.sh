#!/usr/bin/env bash
# Fixture: a script written for GitHub Actions, unchanged. Its groups become steps (nested
# ones nest), and ::error file=…,line=…,col=… fails its group at that location, which must
# reach the Problems panel (test/vscode/suite/ciDialects.test.ts).
echo "::group::Build"
echo "::group::Compile"
echo "compiling 12 files"
echo "::endgroup::"
echo "::group::Bundle"
echo "::group::Minify"
echo "minified 3 bundles"
echo "::endgroup::"
echo "::endgroup::"
echo "::endgroup::"
echo "::group::Deploy"
echo "uploading"
echo "::error file=ci-src/deploy.ts,line=4,col=7,title=Deploy failed::server answered 503%0Aretry later"
echo "::endgroup::"
