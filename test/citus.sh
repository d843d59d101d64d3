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
# overrides) into
# /var/lib/ordertrack-citus and installed into PostgreSQL's directories, once
# per machine; later runs reuse it.  Without the source or an installed
# Citus the suite says that it skipped, and why.
set -u
cd "$(dirname "$0")/.."
. test/lib.sh

CITUS_VERSION=13.2.2
# the vendored source: beside the checkout, or where this workplace keeps it
SOURCE=${OT_CITUS_SOURCE:-}
if [ -z "$SOURCE" ]; then
	for d in "$(cd .. && pwd)/shared/vendor/citus" /work/shared/vendor/citus; do
		[ -f "$d/citus-$CITUS_VERSION.tar.gz" ] && { SOURCE=$d; break; }
	done
	SOURCE=${SOURCE:-$(cd .. && pwd)/shared/vendor/citus}
fi
BUILD=${OT_CITUS_BUILD:-/var/lib/ordertrack-citus}
BASE_PORT=${OT_CITUS_PORT:-54700}
PASS=0
FAIL=0
NODES=()

citus_installed() {
	[ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ] &&
	[ -f "$("$PG_CONFIG" --sharedir)/extension/citus.control" ]
}

# Builds and installs Citus from the vendored source (about two minutes).
build_citus() {
	local tarball=$SOURCE/citus-$CITUS_VERSION.tar.gz
	[ -f "$tarball" ] || return 2
	echo "# building Citus $CITUS_VERSION from $tarball in $BUILD"
	OT_PACKAGES="libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev" ot_install_packages || return 1
	mkdir -p "$BUILD" && rm -rf "$BUILD/citus-$CITUS_VERSION" &&
	tar -xzf "$tarball" -C "$BUILD" || return 1
	(
		cd "$BUILD/citus-$CITUS_VERSION" &&
		{ [ ! -f "$SOURCE/pg15-compat.patch" ] || patch -s -p1 <"$SOURCE/pg15-compat.patch"; } &&
		./configure --with-pg-config="$PG_CONFIG" >"$BUILD/configure.log" 2>&1 &&
		make -j"$(nproc)" >"$BUILD/make.log" 2>&1 &&
		ot_as_root make install >"$BUILD/install.log" 2>&1
	) || { tail -20 "$BUILD/make.log" 2>/dev/null; return 1; }
}

# One node: a cluster in a temporary directory on loopback port PORT.
node_start() {
	local port=$1 dir
	dir=$(mktemp -d /tmp/ordertrack-citus-$port.XXXXXX)
	chmod 755 "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	ot_run_as_owner "$PGBIN/initdb" -D "$dir/data" -A trust -U "$(ot_cluster_user)" \
		--no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
	NODES+=("$dir")
	ot_run_as_owner "$PGBIN/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/server.log" \
		-o "-p $port -k $dir -c listen_addresses=localhost -c fsync=off \
			-c shared_preload_libraries=citus,ordertrack -c max_prepared_transactions=100 \
			-c citus.enable_unsafe_triggers=on -c citus.propagate_set_commands=local -c max_connections=200" start >/dev/null ||
		{ cat "$dir/server.log"; return 1; }
}

nodes_destroy() {
	local dir
	for dir in "${NODES[@]}"; do
		[ -f "$dir/data/postmaster.pid" ] &&
			ot_run_as_owner "$PGBIN/pg_ctl" -D "$dir/data" -w -m fast stop >/dev/null
		rm -rf "$dir"
	done
	NODES=()
}
trap nodes_destroy EXIT

tally() {
	local log=$1 status=$2 name=$3 p f
	p=$(grep -cE '^ok [0-9]+' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	echo "$name: $p ok, $f not ok"
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
	[ "$f" = 0 ] || grep -vE '^ok [0-9]+' "$log" | tail -40
}

if ! citus_installed; then
	build_citus
	case $? in
	0) ;;
	2) echo "# skipped: no Citus installed and no source at $SOURCE/citus-$CITUS_VERSION.tar.gz"
	   echo "0 passed, 0 failed"; exit 0 ;;
	*) echo "not ok 1 - building Citus"; echo "0 passed, 1 failed"; exit 1 ;;
	esac
fi
ot_build_install || { echo "0 passed, 1 failed"; exit 1; }

# the coordinator, then the workers; the test scripts find them in
# OT_CITUS_COORDINATOR, OT_CITUS_WORKERS and PGHOST/PGPORT (the coordinator)
for i in 0 1 2; do
	node_start $((BASE_PORT + i)) || { echo "0 passed, 1 failed"; exit 1; }
done
export PGHOST=localhost PGPORT=$BASE_PORT PGUSER=$(ot_cluster_user) PGDATABASE=postgres
export OT_CITUS_COORDINATOR=$BASE_PORT OT_CITUS_WORKERS="$((BASE_PORT + 1)) $((BASE_PORT + 2))"
# Citus on every node, the workers added, then ordertrack on the coordinator
# (Citus creates it on the workers) and distributed
setup() {
	local port
	for port in $BASE_PORT $OT_CITUS_WORKERS; do
		ot_psql -h localhost -p "$port" -d postgres -c "CREATE EXTENSION citus" || return 1
	done
	ot_psql -d postgres -c "SELECT citus_set_coordinator_host('localhost', $BASE_PORT)" >/dev/null || return 1
	for port in $OT_CITUS_WORKERS; do
		ot_psql -d postgres -c "SELECT citus_add_node('localhost', $port)" >/dev/null || return 1
	done
	ot_psql -d postgres -c "CREATE EXTENSION ordertrack"
}
log=$(mktemp /tmp/ordertrack-citus-setup.XXXXXX)
if setup >"$log" 2>&1; then
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
