#!/usr/bin/env bash
# test/bench/citus.sh: orders per second through a Citus coordinator with two
# workers, against one node with ordertrack, in the same run.
#
#   bash test/bench/citus.sh          (from the repository root)
#
# Builds and installs the extension (and Citus, from the vendored source,
# when it is not installed: see test/citus_lib.sh), then starts two set-ups
# on this machine: one node, and a coordinator with two workers on loopback
# distributed by ordertrack.distribute().  Every node preloads ordertrack
# (doorbell NOTIFY mode) and runs with fsync on; all of them share this
# machine's cores, so the cluster is measured for its overhead, not for
# scaling.  Both hold the same 200,000 orders of history from 50,000 repeat
# buyers in ten shops; pgbench sends orders of three lines (one transaction
# each, test/bench/order.sql: the ERP's INSERTs) to the single node and to
# the coordinator, alternating, in two modes:
#   - synchronous_commit=off, 4 clients (CPU-bound);
#   - synchronous_commit=on, 8 clients.
# The same traffic also goes to plain tables of the same shape without
# ordertrack (on the cluster distributed by shop too), to tell Citus's own
# cost from ordertrack's.  It prints orders per second and the ratios
# cluster / one node with ordertrack (target: at least 0.5), the same for
# the plain tables, and ordertrack / plain on the cluster.  OT_BENCH_SECONDS sets each run's length (20),
# OT_BENCH_ROUNDS the runs per column (2).  Exits 0 whatever the ratio;
# non-zero only if something failed to run.
set -eu
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh
. test/citus_lib.sh

SECONDS_PER_RUN=${OT_BENCH_SECONDS:-20}
ROUNDS=${OT_BENCH_ROUNDS:-2}
SINGLE_PORT=54930
CITUS_PORT=54940
db=postgres

ot_install_packages
ot_citus_installed || ot_citus_build
ot_build_install
trap 'ot_cluster_destroy; ot_citus_destroy' EXIT INT TERM

# the same server settings everywhere
settings="-c fsync=on -c shared_buffers=256MB -c max_wal_size=4GB -c checkpoint_timeout=30min -c jit=off"
echo "# one node"
OT_PORT=$SINGLE_PORT ot_cluster_start $settings -c shared_preload_libraries=ordertrack >/dev/null
single="host=$PGHOST port=$SINGLE_PORT"
ot_psql -d "$single dbname=$db" -c "CREATE EXTENSION ordertrack" >/dev/null
echo "# a coordinator and two workers"
ot_citus_cluster_start $CITUS_PORT $settings >/dev/null || { echo "could not start the Citus cluster"; exit 1; }
cluster="host=localhost port=$CITUS_PORT"
ot_psql -d "$cluster dbname=$db" -c "SELECT count(*) FROM ordertrack.distribute()" >/dev/null

echo "# loading products and 200,000 recent orders into both"
bench_load_history "$single dbname=$db"
bench_load_history "$cluster dbname=$db"
# plain: the same tables without ordertrack's triggers (on the cluster
# distributed by shop as well), to tell Citus's own cost from ordertrack's
plain_sql="CREATE SCHEMA plain;
CREATE TABLE plain.orders (LIKE ordertrack.orders INCLUDING ALL);
CREATE TABLE plain.order_lines (LIKE ordertrack.order_lines INCLUDING ALL);"
distribute_plain="SELECT create_distributed_table('plain.orders', 'shop', colocate_with => 'ordertrack.orders');
SELECT create_distributed_table('plain.order_lines', 'shop', colocate_with => 'ordertrack.orders');"
fill_plain="ALTER TABLE plain.order_lines ADD FOREIGN KEY (shop, order_id) REFERENCES plain.orders (shop, order_id) ON DELETE CASCADE;
INSERT INTO plain.orders OVERRIDING SYSTEM VALUE SELECT * FROM ordertrack.orders;
INSERT INTO plain.order_lines SELECT * FROM ordertrack.order_lines;
SELECT setval(pg_get_serial_sequence('plain.orders', 'order_id'), (SELECT max(order_id) FROM plain.orders));
SELECT setval(pg_get_serial_sequence('plain.order_lines', 'line_id'), (SELECT max(line_id) FROM plain.order_lines));"
ot_psql -d "$single dbname=$db" -c "$plain_sql" -c "$fill_plain" >/dev/null
ot_psql -d "$cluster dbname=$db" -c "$plain_sql" -c "$distribute_plain" -c "$fill_plain" >/dev/null
for c in "$single" "$cluster"; do
	ot_psql -d "$c dbname=$db" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
done

# One run: run CONNINFO SCHEMA SYNC CLIENTS prints orders per second.
run() {
	local out tps
	out=$(PGOPTIONS="-c synchronous_commit=$3" "$PGBIN/pgbench" -n -M simple -c "$4" -j "$4" -T "$SECONDS_PER_RUN" \
		-D schema="$2" -s 1 -f test/bench/order.sql "$1 dbname=$db" 2>&1)
	tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
	[ -n "$tps" ] || { echo "$out" >&2; return 1; }
	echo "$tps"
}

# the run's orders deleted and the tables vacuumed, so that every run starts alike
reset() {
	ot_psql -d "$1 dbname=$db" -q -c "DELETE FROM $2.orders WHERE external_ref LIKE 'b%'" \
		-c "VACUUM $2.orders, $2.order_lines" >/dev/null
}

printf '%-30s %9s %9s %9s %9s %7s %7s %7s\n' "mode" "1 plain" "1 ot" "3 plain" "3 ot" "3ot/1ot" "3pl/1pl" "3ot/3pl"
for mode in "off 4" "on 8"; do
	read -r sync clients <<<"$mode"
	sums="0 0 0 0"
	for round in $(seq "$ROUNDS"); do
		line=""
		for c in "$single" "$cluster"; do
			for schema in plain ordertrack; do
				t=$(run "$c" $schema "$sync" "$clients"); reset "$c" $schema
				line="$line $t"
			done
		done
		echo "#   round $round (one node plain, ordertrack; cluster plain, ordertrack):$line"
		sums=$(awk -v a="$sums" -v b="$line" 'BEGIN { split(a, x, " "); split(b, y, " ");
			printf "%f %f %f %f", x[1] + y[1], x[2] + y[2], x[3] + y[3], x[4] + y[4] }')
	done
	awk -v m="synchronous_commit=$sync, $clients clients" -v s="$sums" -v n="$ROUNDS" 'BEGIN { split(s, x, " ");
		printf "%-30s %9.0f %9.0f %9.0f %9.0f %7.2f %7.2f %7.2f\n", m, x[1] / n, x[2] / n, x[3] / n, x[4] / n,
			x[4] / x[2], x[3] / x[1], x[4] / x[3] }'
done
