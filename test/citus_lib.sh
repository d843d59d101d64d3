# test/citus_lib.sh: a Citus cluster on loopback, for test/citus.sh and
# test/bench/citus.sh (sourced after test/lib.sh).  Citus has no Debian
# package: it is built from the vendored source once per machine
# (ot_citus_build) and installed into PostgreSQL's directories.

CITUS_VERSION=13.2.2
# the vendored source: beside the checkout, or where this workplace keeps it
CITUS_SOURCE=${OT_CITUS_SOURCE:-}
if [ -z "$CITUS_SOURCE" ]; then
	for d in "$(cd .. && pwd)/shared/vendor/citus" /work/shared/vendor/citus; do
		[ -f "$d/citus-$CITUS_VERSION.tar.gz" ] && { CITUS_SOURCE=$d; break; }
	done
	CITUS_SOURCE=${CITUS_SOURCE:-$(cd .. && pwd)/shared/vendor/citus}
fi
CITUS_BUILD=${OT_CITUS_BUILD:-/var/lib/ordertrack-citus}
CITUS_NODES=()

ot_citus_installed() {
	[ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ] &&
	[ -f "$("$PG_CONFIG" --sharedir)/extension/citus.control" ]
}

# Builds and installs Citus from the vendored source (a few minutes);
# returns 2 when there is no source.
ot_citus_build() {
	local tarball=$CITUS_SOURCE/citus-$CITUS_VERSION.tar.gz
	[ -f "$tarball" ] || return 2
	echo "# building Citus $CITUS_VERSION from $tarball in $CITUS_BUILD"
	OT_PACKAGES="libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev patch" ot_install_packages || return 1
	mkdir -p "$CITUS_BUILD" && rm -rf "$CITUS_BUILD/citus-$CITUS_VERSION" &&
	tar -xzf "$tarball" -C "$CITUS_BUILD" || return 1
	(
		cd "$CITUS_BUILD/citus-$CITUS_VERSION" &&
		{ [ ! -f "$CITUS_SOURCE/pg15-compat.patch" ] || patch -s -p1 <"$CITUS_SOURCE/pg15-compat.patch"; } &&
		./configure --with-pg-config="$PG_CONFIG" >"$CITUS_BUILD/configure.log" 2>&1 &&
		make -j"$(nproc)" >"$CITUS_BUILD/make.log" 2>&1 &&
		ot_as_root make install >"$CITUS_BUILD/install.log" 2>&1
	) || { tail -20 "$CITUS_BUILD/make.log" 2>/dev/null; return 1; }
}

# One node: a cluster in a temporary directory on loopback port PORT,
# preloading citus and ordertrack; further server settings as arguments.
ot_citus_node_start() {
	local port=$1 dir
	shift
	dir=$(mktemp -d /tmp/ordertrack-citus-$port.XXXXXX)
	chmod 755 "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	ot_run_as_owner "$PGBIN/initdb" -D "$dir/data" -A trust -U "$(ot_cluster_user)" \
		--no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
	CITUS_NODES+=("$dir")
	ot_run_as_owner "$PGBIN/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/server.log" \
		-o "-p $port -k $dir -c listen_addresses=localhost \
			-c shared_preload_libraries=citus,ordertrack -c max_prepared_transactions=100 \
			-c citus.propagate_set_commands=local -c max_connections=200 $*" start >/dev/null ||
		{ cat "$dir/server.log"; return 1; }
}

# A coordinator on port BASE and workers on BASE+1 and BASE+2, Citus
# created and the workers added, ordertrack created (Citus creates it on
# the workers) but not distributed; further server settings as arguments.
# Exports PGHOST/PGPORT/PGUSER/PGDATABASE for the coordinator and
# OT_CITUS_WORKERS.
ot_citus_cluster_start() {
	local base=$1 port
	shift
	for port in $base $((base + 1)) $((base + 2)); do
		ot_citus_node_start "$port" "$@" || return 1
	done
	export PGHOST=localhost PGPORT=$base PGUSER=$(ot_cluster_user) PGDATABASE=postgres
	export OT_CITUS_WORKERS="$((base + 1)) $((base + 2))"
	for port in $base $OT_CITUS_WORKERS; do
		ot_psql -h localhost -p "$port" -d postgres -c "CREATE EXTENSION citus" || return 1
	done
	ot_psql -d postgres -c "SELECT citus_set_coordinator_host('localhost', $base)" >/dev/null || return 1
	for port in $OT_CITUS_WORKERS; do
		ot_psql -d postgres -c "SELECT citus_add_node('localhost', $port)" >/dev/null || return 1
	done
	ot_psql -d postgres -c "CREATE EXTENSION ordertrack"
}

# Two shops that live on different workers, the first of each worker's among
# PREFIX1 .. PREFIX40, in the coordinator's database DB: "a b".
ot_citus_two_shops() {
	ot_val "$1" "SELECT min(shop) || ' ' || max(shop) FROM (SELECT DISTINCT ON (p.groupid) '$2' || i AS shop
		FROM generate_series(1, 40) i
		JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('ordertrack.orders', '$2' || i)
		ORDER BY p.groupid, i) x"
}

# Stops every node and removes its directory.
ot_citus_destroy() {
	local dir
	for dir in "${CITUS_NODES[@]}"; do
		[ -f "$dir/data/postmaster.pid" ] &&
			ot_run_as_owner "$PGBIN/pg_ctl" -D "$dir/data" -w -m fast stop >/dev/null
		rm -rf "$dir"
	done
	CITUS_NODES=()
}
