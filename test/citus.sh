#!/usr/bin/env bash
# ordertrack on a Citus cluster distributed by shop: a coordinator and two
# workers on loopback, each preloading citus and ordertrack, the tables
# distributed by ordertrack.distribute(); then the tests in test/citus/*.sh
# against it.  Ends with one line "N passed, N failed".
#
#   bash test/citus.sh
#
# Citus has no Debian package: it is built from the source in
# ../shared/vendor/citus/ (or /work/shared/vendor/citus/; OT_CITUS_SOURCE
# overrides) into /var/lib/ordertrack-citus and installed into PostgreSQL's
# directories, once per machine; later runs reuse it (test/citus_lib.sh).  Without the source or an installed
# Citus the suite says that it skipped, and why.
set -u
cd "$(dirname "$0")/.."
. test/lib.sh
. test/citus_lib.sh

BASE_PORT=${OT_CITUS_PORT:-54700}
PASS=0
FAIL=0
trap ot_citus_destroy EXIT

tally() {
	local log=$1 status=$2 name=$3 p f
	p=$(grep -cE '^ok [0-9]+' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	echo "$name: $p ok, $f not ok"
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
	[ "$f" = 0 ] || grep -vE '^ok [0-9]+' "$log" | tail -40
}

if ! ot_citus_installed; then
	ot_citus_build
	case $? in
	0) ;;
	2) echo "# skipped: no Citus installed and no source at $CITUS_SOURCE/citus-$CITUS_VERSION.tar.gz"
	   echo "0 passed, 0 failed"; exit 0 ;;
	*) echo "not ok 1 - building Citus"; echo "0 passed, 1 failed"; exit 1 ;;
	esac
fi
ot_build_install || { echo "0 passed, 1 failed"; exit 1; }

# the test scripts find the coordinator in PGHOST/PGPORT, the workers' ports
# in OT_CITUS_WORKERS
log=$(mktemp /tmp/ordertrack-citus-setup.XXXXXX)
if ot_citus_cluster_start "$BASE_PORT" -c fsync=off >"$log" 2>&1; then
	echo "ok 1 - a coordinator and two workers preloading citus and ordertrack, ordertrack created" >>"$log"
else
	echo "not ok 1 - setting up the Citus cluster" >>"$log"
fi
tally "$log" 0 setup
for t in test/citus/*.sh; do
	name=$(basename "$t" .sh)
	log=$(mktemp /tmp/ordertrack-citus-$name.XXXXXX)
	bash "$t" >"$log" 2>&1
	tally "$log" $? "$name"
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
