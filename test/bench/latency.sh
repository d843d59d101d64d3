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
#     line (bench_latency), the rate pgbench kept, and p50 and p99 from the
#     order's commit to the line (the cluster tracks commit timestamps);
#   - the doorbell worker's CPU time over 10 idle seconds;
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
bench_cluster_start -c track_commit_timestamp=on
ot_fresh_db $db
echo "# loading products and 200,000 recent orders"
bench_load_history $db
ot_psql -d $db -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null

printf '\n%-36s %8s %8s %8s %10s %12s %12s\n' "start of order -> line read (ms)" p50 p99 max "orders/s" \
	"commit->p50" "commit->p99"
for cell in "300 2" "1000 4"; do
	read -r rate clients <<<"$cell"
	for notify in commit doorbell; do
		read -r p50 p99 mx tps cp50 cp99 <<<"$(bench_latency $db $notify "$rate" "$clients" "$SECONDS_PER_RUN")"
		bench_reset $db ordertrack
		printf '%-36s %8s %8s %8s %10s %12s %12s\n' "$rate orders/s, $clients clients, $notify" "$p50" "$p99" "$mx" \
			"$tps" "$cp50" "$cp99"
	done
done
# the worker's CPU time over 10 idle seconds, from /proc
wpid=$(ot_val $db "SELECT pid FROM pg_stat_activity WHERE backend_type = 'ordertrack doorbell' AND datname = current_database()")
ticks() { awk '{ print $14 + $15 }' "/proc/$wpid/stat"; }
t0=$(ticks)
sleep 10
t1=$(ticks)
printf '\n%-36s %8s ms\n' "doorbell worker's CPU, 10 s idle" "$(((t1 - t0) * 1000 / $(getconf CLK_TCK)))"
printf '\n%-36s %10s\n' "drain of $EVENTS events" "events/s"
printf '%-36s %10s\n' "ordertrack-listen --once" "$(bench_drain_listen $db "$EVENTS")"
printf '%-36s %10s\n' "poll() and ack(), defaults" "$(bench_drain_poll $db "$EVENTS")"
