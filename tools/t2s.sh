#!/usr/bin/env bash
# Regenerates data/t2s.tsv from the npm package opencc-js (pinned version;
# MIT and Apache-2.0).  Needs node and npm.
#
#   bash tools/t2s.sh
set -eu
cd "$(dirname "$0")/.."
VERSION=1.4.2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "opencc-js@$VERSION" >/dev/null && tar xzf "opencc-js-$VERSION.tgz")
OPENCC_VERSION=$VERSION node tools/t2s.mjs "$tmp/package" >data/t2s.tsv
echo "data/t2s.tsv: $(grep -vc '^#' data/t2s.tsv) characters"
