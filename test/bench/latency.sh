#!/usr/bin/env bash
# test/bench/latency.sh: how soon a consumer reads an event, and how fast it
# drains a backlog, with default options.
#
#   bash test/bench/latency.sh          (from the repository root)
#
# On the intake benchmarks' cluster (test/bench/lib.sh: fsync on, the
# library preloaded, 200,000 orders of history):
#   - latency: orders at 300/s on 2 clients and at 1,000/s on 4 clients,
#     synchronous_commit on, in both NOTIFY modes; p50, p99 and max of the
#     time from an order_received event's created_at to ordertrack-listen's
#     line (bench_latency), and the rate pgbench kept;
#   - drain: a backlog of OT_BENCH_EVENTS (1,000,000) events read by
#     ordertrack-listen --once and by SQL poll() and ack() of the last row,
#     both with their defaults; events per second.
# OT_BENCH_SECONDS sets each latency run's length (20).  Exits 0 whatever
# the figures; non-zero only if something failed to run.
set -eu
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

SECONDS_PER_RUN=${OT_BENCH_SECONDS:-20}
EVENTS=${OT_BENCH_EVENTS:-1000000}
ot_install_packages
ot_build_install
trap 'ot_cluster_destroy' EXIT INT TERM
db=ot_bench_latency
bench_cluster_start $db
ot_fresh_db $db
echo "# loading products and 200,000 recent orders"
bench_load_history $db
ot_psql -d $db -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null

printf '\n%-36s %8s %8s %8s %10s\n' "commit -> line read (ms)" p50 p99 max "orders/s"
for cell in "300 2" "1000 4"; do
	read -r rate clients <<<"$cell"
	for notify in commit doorbell; do
		read -r p50 p99 mx tps <<<"$(bench_latency $db $notify "$rate" "$clients" "$SECONDS_PER_RUN")"
		printf '%-36s %8s %8s %8s %10s\n' "$rate orders/s, $clients clients, $notify" "$p50" "$p99" "$mx" "$tps"
	done
done
printf '\n%-36s %10s\n' "drain of $EVENTS events" "events/s"
printf '%-36s %10s\n' "ordertrack-listen --once" "$(bench_drain_listen $db "$EVENTS")"
printf '%-36s %10s\n' "poll() and ack(), defaults" "$(bench_drain_poll $db "$EVENTS")"
