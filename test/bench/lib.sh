# test/bench/lib.sh: shared by the benchmarks (after test/lib.sh).
#
# The intake benchmarks' data and traffic: an order of three lines per
# transaction (test/bench/order.sql, the schema a pgbench variable), into
# tables that start from 200,000 orders of the last 24 hours from 50,000
# repeat buyers, so that duplicate look-ups hit a realistic index.

# The cluster every intake benchmark runs on: fsync on, as in production
# (the test clusters run without it), so that synchronous_commit=on waits
# for the disk; the library preloaded for the doorbell worker of database
# $1.  Shared memory uses huge pages when the kernel has enough reserved
# (vm.nr_hugepages).
bench_cluster_start() {
	ot_cluster_start -c fsync=on -c huge_pages=try -c shared_buffers=512MB -c max_wal_size=4GB \
		-c checkpoint_timeout=30min -c jit=off \
		-c shared_preload_libraries=ordertrack -c ordertrack.notify=doorbell "$@"
}

# Products and the 200,000 orders of history (already checked, so intake
# leaves them alone) in ordertrack's tables of database $1.
bench_load_history() {
	ot_psql -d "$1" <<'SQL'
BEGIN;
-- the history arrives checked, as a restore brings it (SET LOCAL: on Citus
-- it reaches the workers, with citus.propagate_set_commands = local)
SET LOCAL ordertrack.restoring = on;
INSERT INTO ordertrack.products (sku, title, spec, colour)
SELECT 'SKU-' || g, 'product ' || g, 'M', 'blue' FROM generate_series(1, 1000) g;
INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, created_at,
							   intake_checked_at, phone_normalized, province)
SELECT 's' || g % 10, 'h' || g, 'acc' || g % 50000, '张三', '13812345678', '北京市朝阳区建国路88号3号楼2单元501室',
	   now() - (g % 86400) * interval '1 second', now(), '+8613812345678', '北京市'
  FROM generate_series(1, 200000) g;
INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity)
SELECT o.shop, o.order_id, 'SKU-' || (o.order_id * k) % 1000 + 1, 1
  FROM ordertrack.orders o, generate_series(1, 3) k;
COMMIT;
SQL
}

# The server's CPU time so far, in clock ticks: the postmaster and its live
# children, and the children it has reaped (the kernel adds their time to
# its cutime and cstime).  A run's backends exit when pgbench disconnects.
bench_server_ticks() {
	local pm t=0 p f
	pm=$(head -1 "$OT_CLUSTER_DIR/data/postmaster.pid")
	for p in $pm $(pgrep -P "$pm"); do
		read -r -a f <"/proc/$p/stat" 2>/dev/null || continue
		t=$((t + f[13] + f[14]))
	done
	read -r -a f <"/proc/$pm/stat"
	echo $((t + f[15] + f[16]))
}

# One pgbench run of test/bench/order.sql: bench_run DB SCHEMA SYNC CLIENTS
# NOTIFY-MODE SECONDS [WRAPPER...] prints "tps server-CPU-microseconds-per-order".
# SCHEMA plain+ runs test/bench/order_plus.sql on schema plain: the same
# order, plus the writes intake makes anyway (its order_received event in
# plain.events, and the verdict, an UPDATE of the order, in the statement
# of the lines: as many statements as A).
bench_run() {
	local db=$1 schema=$2 sync=$3 clients=$4 notify=$5 secs=$6 before after out tps n script=order
	shift 6
	[ "$schema" = plain+ ] && schema=plain script=order_plus
	before=$(bench_server_ticks)
	out=$(PGOPTIONS="-c synchronous_commit=$sync -c ordertrack.notify=$notify" "$@" "$PGBIN/pgbench" -n -M simple \
		-c "$clients" -j "$clients" -T "$secs" -D schema="$schema" -s 1 -f test/bench/$script.sql "$db" 2>&1)
	sleep 1		# until the run's backends have exited
	after=$(bench_server_ticks)
	tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
	[ -n "$tps" ] && [ "${n:-0}" -gt 0 ] || { echo "$out" >&2; return 1; }
	echo "$tps $(((after - before) * 1000000 / $(getconf CLK_TCK) / n))"
}

# Deletes the orders a run added (with their lines, and in ordertrack's
# schema their flags), and the events (as prune_events would), and vacuums,
# so that every run starts as the first did: left in place, a run's orders
# would pile up in the duplicate window and make later runs look up far
# more earlier orders than real traffic, and its events would make the
# next run's consumers read through them.
# bench_reset DB SCHEMA [EXTRA-SQL]
bench_reset() {
	local db=$1 s=${2%+}
	ot_psql -d "$db" -q -c "DELETE FROM $s.orders WHERE external_ref LIKE 'b%'" ${3:+-c "$3"} \
		-c "$(case $s in plain) echo "TRUNCATE plain.events" ;; ordertrack) echo "DELETE FROM ordertrack.events" ;;
			*) echo "SELECT" ;; esac)" \
		-c "VACUUM $s.orders, $s.order_lines$([ "$s" = plain ] || echo ", $s.flags")$([ "$s" = ordertrack ] && echo ", $s.events")" >/dev/null
}

# The schema "plain" of database $1: ordertrack's orders, lines and events
# (the same columns, keys and indexes; no triggers) with the same 200,000
# orders.
bench_plain() {
	ot_psql -d "$1" <<'SQL'
CREATE SCHEMA plain;
CREATE TABLE plain.orders (LIKE ordertrack.orders INCLUDING ALL);
CREATE TABLE plain.order_lines (LIKE ordertrack.order_lines INCLUDING ALL,
	FOREIGN KEY (shop, order_id) REFERENCES plain.orders (shop, order_id) ON DELETE CASCADE);
CREATE TABLE plain.events (LIKE ordertrack.events INCLUDING ALL);
INSERT INTO plain.orders OVERRIDING SYSTEM VALUE SELECT * FROM ordertrack.orders;
INSERT INTO plain.order_lines SELECT * FROM ordertrack.order_lines;
SELECT setval(pg_get_serial_sequence('plain.orders', 'order_id'), (SELECT max(order_id) FROM plain.orders));
SELECT setval(pg_get_serial_sequence('plain.order_lines', 'line_id'), (SELECT max(line_id) FROM plain.order_lines));
SQL
}

# What a consumer sees: orders arrive at a fixed rate (pgbench --rate, the
# orders of test/bench/order.sql into ordertrack's tables, synchronous_commit
# on), and ordertrack-listen, with its default options, reads their
# order_received events (topic intake); each line is stamped when it is
# read.  bench_latency DB NOTIFY-MODE RATE CLIENTS SECONDS prints "p50-ms
# p99-ms max-ms orders-per-second commit-p50-ms commit-p99-ms": the time
# from the event's created_at (the start of the order's transaction) to its
# line being read, the rate pgbench kept, and, when the server has
# track_commit_timestamp on, the time from the order's commit to the line
# ("-" without).
bench_latency() {
	local db=$1 notify=$2 rate=$3 clients=$4 secs=$5 consumer out stamped lpid tps
	consumer=lat_${notify}_$$_$RANDOM
	stamped=$(mktemp)
	chmod 644 "$stamped"
	# from the end of the outbox: what is there now is not this run's
	ot_psql -d "$db" -c "SELECT ordertrack.subscribe('$consumer', ARRAY['intake'])" >/dev/null
	"${OT_LISTEN:-$PGBIN/ordertrack-listen}" --consumer "$consumer" --once "$db" >/dev/null
	"${OT_LISTEN:-$PGBIN/ordertrack-listen}" --consumer "$consumer" "$db" \
		> >(perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%s\t%.6f\n", $1, time if /^\{"event_id": (\d+)/' \
			>"$stamped") &
	lpid=$!
	sleep 1		# listening
	out=$(PGOPTIONS="-c synchronous_commit=on -c ordertrack.notify=$notify" "$PGBIN/pgbench" -n -M simple \
		-R "$rate" -c "$clients" -j "$clients" -T "$secs" -D schema=ordertrack -s 1 -f test/bench/order.sql "$db" 2>&1)
	sleep 2		# the last bells
	kill -TERM "$lpid"
	wait "$lpid" || true
	sleep 0.2
	tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
	[ -n "$tps" ] || { echo "$out" >&2; return 1; }
	ot_psql -d "$db" -At -F ' ' -c "CREATE TEMP TABLE seen (event_id bigint, at float8)" \
		-c "COPY seen FROM STDIN" \
		-c "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
				   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),
				   round(max(ms)::numeric, 1), round($tps),
				   coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cms)::numeric, 1)::text, '-'),
				   coalesce(round(percentile_cont(0.99) WITHIN GROUP (ORDER BY cms)::numeric, 1)::text, '-')
			  FROM (SELECT (s.at - extract(epoch FROM e.created_at)) * 1000 AS ms,
						   CASE WHEN current_setting('track_commit_timestamp')::boolean
								THEN (s.at - extract(epoch FROM pg_xact_commit_timestamp(e.xact_id::text::xid))) * 1000 END AS cms
					  FROM seen s JOIN ordertrack.events e USING (event_id)) l" \
		-c "DELETE FROM ordertrack.consumers WHERE consumer = '$consumer'" <"$stamped" | head -1
	rm -f "$stamped"
}

# A backlog of N events of the warehouse topic, and no consumer: bench_backlog DB N.
bench_backlog() {
	ot_psql -d "$1" -q -c "DELETE FROM ordertrack.events" -c "DELETE FROM ordertrack.consumers" \
		-c "INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload)
			SELECT 's' || g % 10, 'warehouse', 'pick_requested', g, jsonb_build_object('order_id', g)
			  FROM generate_series(1, $2) g" \
		-c "VACUUM ANALYZE ordertrack.events, ordertrack.consumers" >/dev/null
}

# Events per second of ordertrack-listen --once, with its default options,
# draining a backlog of N events: bench_drain_listen DB N.
bench_drain_listen() {
	local t0 t1 n
	bench_backlog "$1" "$2"
	t0=$(date +%s.%N)
	n=$("${OT_LISTEN:-$PGBIN/ordertrack-listen}" --consumer bench --once "$1" | wc -l)
	t1=$(date +%s.%N)
	[ "$n" = "$2" ] || { echo "ordertrack-listen printed $n events, not $2" >&2; return 1; }
	awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

# Events per second of poll() with its default max, and ack() of the last
# row, one transaction each, draining a backlog of N events:
# bench_drain_poll DB N.
bench_drain_poll() {
	local t0 t1 n
	bench_backlog "$1" "$2"
	t0=$(date +%s.%N)
	n=$(ot_psql -d "$1" -At -c "CREATE TEMP TABLE drained (n bigint)" -c "
DO \$\$
DECLARE
	last bigint;
	got bigint;
	total bigint := 0;
BEGIN
	LOOP
		SELECT max(event_id), count(*) INTO last, got FROM ordertrack.poll('bench');
		EXIT WHEN got = 0;
		PERFORM ordertrack.ack('bench', last);
		total := total + got;
		COMMIT;
	END LOOP;
	INSERT INTO drained VALUES (total);
END
\$\$" -c "SELECT n FROM drained")
	t1=$(date +%s.%N)
	[ "$n" = "$2" ] || { echo "poll() handed out $n events, not $2" >&2; return 1; }
	awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}
