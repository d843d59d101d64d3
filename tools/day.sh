#!/usr/bin/env bash
# One trading day of a shop through ordertrack, shown as people want to see
# it.  Called by tools/run.sh; on its own:
#
#   bash tools/day.sh CONNINFO [ORDERS [SEED]]
#
# The day runs on the server's clock: on tools/run.sh's throwaway cluster
# that clock runs 1,440 times as fast (libfaketime), so the day takes about
# a minute.  ORDERS orders (20,000) are taken from 00:00 to 24:00, with
# 15% more already on the road from earlier days; SEED (printed) replays
# the same day.  Runs consumers for warehouse, production, logistics and
# customer with ordertrack-listen, checks that each received every event of
# its topics exactly once, and ends with the reports.  Exits non-zero when
# anything failed.
set -eu
cd "$(dirname "$0")/.."
. test/lib.sh

conn=$1
orders=${2:-20000}
seed=${3:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}
shop="demo-$seed"
work=$(mktemp -d /tmp/ordertrack-day.XXXXXX)
chmod 777 "$work"
cols=$(tput cols 2>/dev/null || echo 80)
tty=0; [ -t 1 ] && tty=1
failed=0

echo "== one trading day of shop $shop: $orders orders (seed $seed; bash tools/day.sh CONNINFO $orders $seed replays it)"

psql_q() { ot_run_as_owner "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$conn" "$@"; }

# the consumers, one per topic, from the outbox's end
start_id=$(psql_q -c "SELECT coalesce(max(event_id), 0) FROM ordertrack.events")
pids=()
# stops the consumers: runuser and ordertrack-listen, found by their command
# line (the shop is the day's own)
stop_consumers() {
	pkill -TERM -f -- "ordertrack-listen --consumer $shop-" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
}
trap 'stop_consumers; rm -rf "$work"' EXIT
for topic in warehouse production logistics customer; do
	c="$shop-$topic"
	psql_q -c "SELECT ordertrack.subscribe('$c', '{$topic}')" >/dev/null
	# skip what was there before the day
	psql_q -c "SELECT ordertrack.ack('$c', max(event_id)) FROM ordertrack.poll('$c', 1000000) HAVING count(*) > 0" >/dev/null
	ot_run_as_owner "$PGBIN/ordertrack-listen" --consumer "$c" "$conn" >"$work/$topic.jsonl" 2>"$work/$topic.err" &
	pids+=($!)
done

# the day's session
coproc DAY { ot_run_as_owner "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$conn" 2>&1; }
exec 3>&"${DAY[1]}" 4<&"${DAY[0]}"
# sends SQL, prints its output until the marker
say() {
	printf '%s\n\\echo @@done\n' "$1" >&3
	local line
	while IFS= read -r line <&4; do
		[ "$line" = "@@done" ] && return 0
		printf '%s\n' "$line"
		case $line in *ERROR:*|*FATAL:*) echo "$line" >&2 ;; esac
	done
	echo "the day's session ended" >&2
	return 1
}
say "$(cat tools/day.sql)" >"$work/setup.log" || { cat "$work/setup.log"; exit 1; }
if grep -E '^(ERROR|psql:)' "$work/setup.log"; then exit 1; fi
planned=$(say "SELECT pg_temp.day_plan('$shop', $orders, $seed / 1000000.0);")
echo "planned: $planned orders (the day's and those on the road)"

t0=$(date +%s%N)
elapsed_ms() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }
bar() {   # sim time, taken, planned, flags, held, errors
	local now=$1 taken=$2 total=$3 flags=$4 held=$5 errs=$6 width pct filled el rate
	[ "$total" -gt 0 ] 2>/dev/null || total=1
	el=$(elapsed_ms)
	rate=$(( taken * 1000 / (el + 1) ))
	pct=$(( taken * 100 / total ))
	width=$(( cols - 62 )); [ $width -lt 10 ] && width=10
	filled=$(( taken * width / total ))
	printf '\r%s [%-*s] %3d%% %6d orders %5d/s flags %6d held %4d err %d ' "$now" "$width" \
		"$(printf '%*s' $filled '' | tr ' ' '#')" "$pct" "$taken" "$rate" "$flags" "$held" "$errs"
	[ $tty = 1 ] || echo
}
while :; do
	prog=$(say "CALL pg_temp.day_step(); SELECT pg_temp.day_progress();" | grep '^P|' | tail -1)
	IFS='|' read -r _ now taken total flags held errs over <<<"$prog"
	if [ $tty = 1 ] || [ $(( ${tick:=0} % 20 )) = 0 ]; then bar "$now" "$taken" "$total" "$flags" "$held" "$errs"; fi
	tick=$(( ${tick:-0} + 1 ))
	[ "$over" = t ] && break
	sleep 0.2
done
[ $tty = 1 ] && echo
echo "the day took $(( $(elapsed_ms) / 1000 )) s"
if [ "${errs:-1}" != 0 ]; then
	echo "FAILED: ${errs:-?} actions raised an error:"
	say "SELECT action || ': ' || message || ' (' || count(*) || ' times)' FROM day_errors GROUP BY action, message ORDER BY count(*) DESC LIMIT 10;" | sed "s/^/  /"
	failed=1
fi

# the consumers catch up (each prints an event once it has it), then stop
for topic in warehouse production logistics customer; do
	psql_q -c "SELECT event_id FROM ordertrack.events WHERE topic = '$topic' AND event_id > $start_id ORDER BY 1" >"$work/$topic.want"
	for _ in $(seq 1 300); do
		[ "$(wc -l <"$work/$topic.jsonl")" -ge "$(wc -l <"$work/$topic.want")" ] && break
		sleep 0.2
	done
done
stop_consumers
echo "== what the consumers received (each checked against the outbox: every event of its topic, exactly once)"
printf '%-12s %9s %9s %9s  %s\n' topic received outbox repeated verdict
for topic in warehouse production logistics customer; do
	sed -n 's/^{"event_id": \([0-9]*\),.*/\1/p' "$work/$topic.jsonl" | sort -n >"$work/$topic.got"
	got=$(wc -l <"$work/$topic.got"); want=$(wc -l <"$work/$topic.want")
	rep=$(( got - $(sort -un "$work/$topic.got" | wc -l) ))
	if cmp -s <(sort -un "$work/$topic.got") "$work/$topic.want" && [ $rep = 0 ]; then v="exactly once"
	else v="MISMATCH"; failed=1; fi
	printf '%-12s %9d %9d %9d  %s\n' "$topic" "$got" "$want" "$rep" "$v"
done

echo "== the reports"
ot_run_as_owner "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$conn" -P pager=off -P footer=off -P columns=80 -v shop="$shop" <<'SQL' || failed=1
SET search_path = "$user", public, ordertrack;
SET timezone = 'Asia/Shanghai';
\echo
\echo -- the board: where the orders of the shop stand
SELECT stage, orders, held, overdue, to_char(oldest, 'MM-DD HH24:MI') AS oldest FROM board WHERE shop = :'shop' ORDER BY stage;
\echo
\echo -- open flags by code
SELECT code, severity, count(*) AS open FROM open_flags WHERE shop = :'shop' GROUP BY 1, 2 ORDER BY 3 DESC;
\echo
\echo -- deadlines missed (SLA breaches)
SELECT code, count(*) AS orders, max(open_for)::interval(0) AS longest FROM sla_breaches WHERE shop = :'shop' GROUP BY 1 ORDER BY 2 DESC;
\echo
\echo -- carriers (judged parcels, on-time share) and who was passed over
SELECT carrier, province, shipped, judged, on_time_pct AS "on time %", on_time, median_days AS days FROM carrier_scorecard
 WHERE shop = :'shop' AND judged > 0 ORDER BY on_time_pct, judged DESC LIMIT 8;
SELECT s ->> 'carrier' AS passed_over, s ->> 'reason' AS why, count(*) AS orders
  FROM orders o, jsonb_array_elements(o.carrier_choice -> 'skipped') s WHERE o.shop = :'shop' GROUP BY 1, 2;
\echo
\echo -- time in each stage
SELECT stage, moves, date_trunc('minute', median) AS median, date_trunc('minute', p90) AS p90, median_bar FROM stage_durations WHERE shop = :'shop';
\echo
\echo -- the funnel
SELECT day, received, confirmed, shipped, delivered, delivered_share FROM funnel WHERE shop = :'shop' ORDER BY day DESC LIMIT 6;
\echo
\echo -- the story of one order: one that ran short at picking, when there is one
SELECT to_char(at, 'HH24:MI') AS at, what, left(detail, 56) AS detail FROM timeline(coalesce(
	(SELECT f.order_id FROM flags f JOIN orders o USING (shop, order_id)
	  WHERE f.shop = :'shop' AND f.code = 'stock_short' AND o.stage NOT IN ('review', 'cancelled') ORDER BY f.flag_id LIMIT 1),
	(SELECT min(order_id) FROM orders WHERE shop = :'shop' AND stage = 'shipped'),
	(SELECT min(order_id) FROM orders WHERE shop = :'shop')));
SQL
say "\\q" >/dev/null 2>&1 || true
rm -rf "$work"
exit $failed
