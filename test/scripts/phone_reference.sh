#!/usr/bin/env bash
# The phone rules' reference data are libphonenumber's: the area codes
# (data/cn_area_codes.tsv), the mobile prefixes (src/ot_phone.c quotes the
# pattern) and the labelled phone corpus
# (test/corpus/phones.tsv) are what tools/cn_area_codes.js and
# tools/phones_corpus.js derive from npm google-libphonenumber at the
# version they name.  This installs that version (kept outside the checkout,
# reused on the same machine), derives both again and compares.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

version=$(sed -n '1s/.*google-libphonenumber@\([0-9.]*\).*/\1/p' data/cn_area_codes.tsv)
cache=${OT_NPM_CACHE:-/var/tmp/ordertrack-npm}/libphonenumber-$version
if [ ! -d "$cache/node_modules/google-libphonenumber" ]; then
	command -v npm >/dev/null || ot_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
	mkdir -p "$cache" && (cd "$cache" && npm install --silent --no-audit --no-fund "google-libphonenumber@$version" >/dev/null 2>&1)
fi
export NODE_PATH=$cache/node_modules
ot_is "$(node -e 'console.log(require("google-libphonenumber/package.json").version)' 2>&1)" "$version" \
	"google-libphonenumber $version is installed"
ot_is "$(node tools/cn_area_codes.js | diff - data/cn_area_codes.tsv >/dev/null && echo same)" same \
	"data/cn_area_codes.tsv is what libphonenumber $version says"
ot_is "$(node -e 'const l = require("google-libphonenumber");
	console.log(l.PhoneNumberUtil.getInstance().getMetadataForRegion("CN").getMobile().getNationalNumberPattern())')" \
	"$(sed -n '/libphonenumber .*pattern for CN mobiles/{n;n;s/^ \* //p}' src/ot_phone.c)" \
	"src/ot_phone.c's mobile prefixes are libphonenumber $version's pattern"
ot_is "$(node tools/phones_corpus.js | diff - test/corpus/phones.tsv >/dev/null && echo same)" same \
	"test/corpus/phones.tsv is what its generator makes with libphonenumber $version"
ot_done
