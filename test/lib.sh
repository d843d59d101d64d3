# test/lib.sh: shared by test/run.sh, tools/run.sh and the benchmarks.
# Installs packages, builds and installs the extension, and runs a throwaway
# PostgreSQL cluster owned by the postgres user (never root).

PGVER=${PGVER:-15}
PGBIN=/usr/lib/postgresql/$PGVER/bin
export PG_CONFIG=$PGBIN/pg_config
OT_PACKAGES="postgresql-$PGVER postgresql-server-dev-$PGVER postgresql-$PGVER-pgtap
 libtap-parser-sourcehandler-pgtap-perl postgresql-$PGVER-cron libssl-dev make gcc clang iproute2"

# Runs a command as root (directly, or through sudo).
ot_as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages that are missing.
ot_install_packages() {
	local missing=""
	for p in $OT_PACKAGES; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "# installing:$missing"
	ot_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
	ot_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

# Builds with warnings as errors and installs into the server's directories.
ot_build_install() {
	make -s PG_CONFIG="$PG_CONFIG" >/dev/null &&
	ot_as_root make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# The user that owns the cluster: postgres when we are root, else ourselves.
ot_cluster_user() {
	if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

# Runs a command as the cluster's owner: as postgres when we are root, from
# / (postgres may not enter the directory root runs in, e.g. a checkout in
# /root, and psql would say so).
ot_run_as_owner() {
	if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Starts a new cluster in a temporary directory; exports PGHOST/PGPORT/PGUSER.
# Extra server settings may be passed as arguments (-c name=value ...).
ot_cluster_start() {
	OT_CLUSTER_DIR=$(mktemp -d /tmp/ordertrack-cluster.XXXXXX)
	chmod 755 "$OT_CLUSTER_DIR"
	[ "$(id -u)" = 0 ] && chown postgres: "$OT_CLUSTER_DIR"
	export PGHOST=$OT_CLUSTER_DIR PGPORT=${OT_PORT:-54329} PGUSER=$(ot_cluster_user) PGDATABASE=postgres
	ot_run_as_owner "$PGBIN/initdb" -D "$OT_CLUSTER_DIR/data" -A trust -U "$PGUSER" \
		--no-sync -E UTF8 --locale=C.UTF-8 >"$OT_CLUSTER_DIR/initdb.log" 2>&1 || {
		cat "$OT_CLUSTER_DIR/initdb.log"; return 1; }
	export OT_CLUSTER_DIR
	export OT_CLUSTER_OPTS="-p $PGPORT -k $OT_CLUSTER_DIR -c listen_addresses= -c fsync=off $*"
	ot_cluster_ctl start
}

# pg_ctl on the throwaway cluster: start, stop, or crash (immediate stop).
ot_cluster_ctl() {
	case "$1" in
	start) ot_run_as_owner "$PGBIN/pg_ctl" -D "$OT_CLUSTER_DIR/data" -w -t 60 \
			-o "$OT_CLUSTER_OPTS" -l "$OT_CLUSTER_DIR/server.log" start >/dev/null ;;
	stop) ot_run_as_owner "$PGBIN/pg_ctl" -D "$OT_CLUSTER_DIR/data" -w -m fast stop >/dev/null ;;
	crash) ot_run_as_owner "$PGBIN/pg_ctl" -D "$OT_CLUSTER_DIR/data" -m immediate stop >/dev/null ;;
	esac
}

# Stops the cluster and removes its directory.
ot_cluster_destroy() {
	[ -n "${OT_CLUSTER_DIR:-}" ] || return 0
	[ -f "$OT_CLUSTER_DIR/data/postmaster.pid" ] && ot_cluster_ctl stop
	rm -rf "$OT_CLUSTER_DIR"
	OT_CLUSTER_DIR=
}

# psql quietly, stopping at the first error.
ot_psql() {
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# A new database with the extension (and pgtap when asked).
ot_fresh_db() {
	local db=$1; shift
	"$PGBIN/dropdb" --if-exists "$db" && "$PGBIN/createdb" "$db" &&
	ot_psql -d "$db" -c "CREATE EXTENSION ordertrack" "$@"
}

# TAP for the scripted tests: ot_is GOT WANT DESCRIPTION.
OT_TAP_N=0
ot_is() {
	OT_TAP_N=$((OT_TAP_N + 1))
	if [ "$1" = "$2" ]; then echo "ok $OT_TAP_N - $3"
	else echo "not ok $OT_TAP_N - $3"; echo "#   got: '$1'"; echo "#   expected: '$2'"; fi
}
ot_done() { echo "1..$OT_TAP_N"; }

# One value from a query.
ot_val() {
	local db=$1; shift
	"$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$*"
}
