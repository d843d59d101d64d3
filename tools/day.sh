#!/usr/bin/env bash
# One trading day of a shop through ordertrack, shown as people want to see
# it.  Called by tools/run.sh; on its own:
#
#   bash tools/day.sh CONNINFO [ORDERS [SEED]]
#   bash tools/day.sh --remove CONNINFO SHOP    removes a day's shop
#
# ORDERS orders (20,000) are taken from 00:00 to 24:00, with 15% more
# already on the road from earlier days, in a shop of the day's own
# (demo-SEED); SEED (printed) replays the same day.  Two sessions share the
# work.  Runs consumers for warehouse, production, logistics and customer
# with ordertrack-listen, checks that each received every event of its
# topics exactly once, and ends with the reports.  Exits non-zero when
# anything failed.
#
# The day's clock: with OT_DAY_FAST=1 (tools/run.sh's throwaway cluster,
# whose server clock runs fast under libfaketime) it is the server's own.
# Otherwise the clock is real: the day is yesterday's, run as fast as the
# work is done, and the deadlines that take hours to fall due do not; the
# database must have no consumers of its own (the day's events would reach
# them), and the shop stays there until --remove removes it.
set -eu
cd "$(dirname "$0")/.."
. test/lib.sh

psql_q() { ot_run_as_owner "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$conn" "$@"; }

if [ "${1:-}" = --remove ]; then
	[ $# = 3 ] || { echo "usage: bash tools/day.sh --remove CONNINFO SHOP" >&2; exit 2; }
	conn=$2 shop=$3
	case $shop in demo-[0-9]*) ;; *) echo "$shop is not a day's shop (demo-SEED)" >&2; exit 2 ;; esac
	psql_q -v shop="$shop" <<'SQL'
BEGIN;
SET LOCAL search_path = pg_catalog, pg_temp;
-- the orders take their lines, flags, stage history and scans with them
DELETE FROM ordertrack.orders WHERE shop = :'shop';
DELETE FROM ordertrack.events WHERE shop = :'shop';
DELETE FROM ordertrack.carrier_scores WHERE shop = :'shop';
DELETE FROM ordertrack.carrier_shipments WHERE shop = :'shop';
DELETE FROM ordertrack.customer_notes WHERE shop = :'shop';
DELETE FROM ordertrack.consumers WHERE consumer LIKE :'shop' || '-%';
-- the demo's products, once no order has them
DELETE FROM ordertrack.products p WHERE p.sku LIKE 'DEMO-%'
   AND NOT EXISTS (SELECT FROM ordertrack.order_lines l WHERE l.sku = p.sku);
COMMIT;
SQL
	echo "removed shop $shop"
	exit 0
fi

[ $# -ge 1 ] || { echo "usage: bash tools/day.sh CONNINFO [ORDERS [SEED]]" >&2; exit 2; }
conn=$1
orders=${2:-20000}
case $orders in
	''|*[!0-9]*|0*) echo "the day's orders are a number from 1 up, not $orders" >&2; exit 2 ;;
esac
seed=${3:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}
[[ $seed =~ ^[0-9]{1,6}$ ]] || { echo "the seed is a number from 0 to 999999, not $seed" >&2; exit 2; }
shop="demo-$seed"
fast=${OT_DAY_FAST:-0}
parts=2
work=$(mktemp -d /tmp/ordertrack-day.XXXXXX)
chmod 777 "$work"
cols=$(tput cols 2>/dev/null || echo 80)
tty=0; [ -t 1 ] && tty=1
failed=0

echo "== one trading day of shop $shop: $orders orders (seed $seed; bash tools/day.sh CONNINFO $orders $seed replays it)"
if [ "$fast" != 1 ]; then
	# a database of the user's: nothing of the day may reach its consumers
	others=$(psql_q -c "SELECT string_agg(consumer, ', ' ORDER BY consumer) FROM ordertrack.consumers WHERE consumer !~ '^demo-[0-9]+-'")
	if [ -n "$others" ]; then
		echo "This database has consumers of the outbox ($others): the day's events would reach them." >&2
		echo "Run the day in a database of its own (createdb ordertrack_demo; bash tools/run.sh dbname=ordertrack_demo)," >&2
		echo "or on a throwaway cluster (bash tools/run.sh)." >&2
		exit 1
	fi
	echo "   in this database, in a shop of its own ($shop), with 13 products DEMO-… in the catalogue;"
	echo "   the clock is real: the day is yesterday's, run as fast as the work is done, so deadlines of hours"
	echo "   do not fall due (bash tools/run.sh, with no database, runs the day on a clock that does);"
	echo "   bash tools/day.sh --remove '$conn' $shop removes the shop afterwards"
fi

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

# the day's sessions, one a core: psql reading from a pipe, writing to another
for k in $(seq 0 $((parts - 1))); do
	mkfifo "$work/in$k" "$work/out$k"
	ot_run_as_owner "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$conn" <"$work/in$k" >"$work/out$k" 2>&1 &
	exec {fd}>"$work/in$k"; eval "in$k=$fd"
	exec {fd}<"$work/out$k"; eval "out$k=$fd"
done
# send K SQL: sends SQL to session K; recv K: prints its output up to the
# end of what was sent; say K SQL: both
send() { local fd="in$1"; printf '%s\n\\echo @@done\n' "$2" >&"${!fd}"; }
recv() {
	local fd="out$1" line
	while IFS= read -r line <&"${!fd}"; do
		[ "$line" = "@@done" ] && return 0
		printf '%s\n' "$line"
		case $line in *ERROR:*|*FATAL:*) echo "$line" >&2 ;; esac
	done
	echo "the day's session $1 ended" >&2
	return 1
}
say() { send "$1" "$2" && recv "$1"; }
sessions() { seq 0 $((parts - 1)); }

for k in $(sessions); do send $k "$(cat tools/day.sql)"; done
for k in $(sessions); do
	recv $k >"$work/setup$k.log" || { cat "$work/setup$k.log"; exit 1; }
	if grep -E '^(ERROR|psql:)' "$work/setup$k.log"; then exit 1; fi
done
# each session draws the same plan from the seed and keeps its share
for k in $(sessions); do
	send $k "SELECT pg_temp.day_plan('$shop', $orders, $seed / 1000000.0, $([ "$fast" = 1 ] && echo true || echo false)); SELECT pg_temp.day_share($k, $parts);"
done
for k in $(sessions); do out=$(recv $k); planned=${out%%$'\n'*}; done
echo "planned: $planned orders (the day's and those on the road), shared by $parts sessions"

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
	# every session does what is due, then the sweep runs (and the real clock moves on)
	for k in $(sessions); do send $k "CALL pg_temp.day_step(); SELECT pg_temp.day_progress();"; done
	taken=0 errs=0 over=t
	for k in $(sessions); do
		out=$(recv $k)
		IFS='|' read -r _ now t total f h e o <<<"${out##*$'\n'}"
		taken=$(( taken + t )) errs=$(( errs + e ))
		[ "$o" = t ] || over=f
		[ $k = 0 ] && flags=$f held=$h
	done
	say 0 "CALL pg_temp.day_sweep();" >/dev/null
	for k in $(sessions); do say $k "CALL pg_temp.day_tick();" >/dev/null; done
	if [ $tty = 1 ] || [ $(( ${tick:=0} % 20 )) = 0 ]; then bar "$now" "$taken" "$total" "$flags" "$held" "$errs"; fi
	tick=$(( ${tick:-0} + 1 ))
	[ "$over" = t ] && break
	[ "$fast" = 1 ] && sleep 0.2
done
[ $tty = 1 ] && echo
echo "the day took $(( $(elapsed_ms) / 1000 )) s"
if [ "${errs:-1}" != 0 ]; then
	echo "FAILED: ${errs:-?} actions raised an error:"
	for k in $(sessions); do
		say $k "SELECT action || ': ' || message || ' (' || count(*) || ' times)' FROM day_errors GROUP BY action, message ORDER BY count(*) DESC LIMIT 10;" | sed "s/^/  /"
	done
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
ot_run_as_owner "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$conn" -P pager=off -P footer=off -P columns=80 -v shop="$shop" -v fast="$([ "$fast" = 1 ] && echo true || echo false)" <<'SQL' || failed=1
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
\echo -- passed over where it was late: the orders, its on-time share then, and who took them
SELECT s ->> 'carrier' AS passed_over, o.province, count(*) AS orders,
	   concat_ws('–', round(100 * min((s ->> 'on_time_rate')::numeric)), nullif(round(100 * max((s ->> 'on_time_rate')::numeric)),
				 round(100 * min((s ->> 'on_time_rate')::numeric)))) || '%' AS "on time",
	   concat_ws('–', min((s ->> 'judged')::int), nullif(max((s ->> 'judged')::int), min((s ->> 'judged')::int))) AS "of parcels",
	   string_agg(DISTINCT o.carrier, ', ') AS "sent with"
  FROM orders o, jsonb_array_elements(o.carrier_choice -> 'skipped') s WHERE o.shop = :'shop' GROUP BY 1, 2 ORDER BY 3 DESC;
\echo
\echo -- time in each stage
\if :fast
\else
\echo -- (on the real clock: what ordertrack stamps itself took the moments the day took)
\endif
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
if [ "$fast" != 1 ]; then
	# the day's consumers go: left behind, they would hold back the outbox's pruning
	psql_q -c "DELETE FROM ordertrack.consumers WHERE consumer LIKE '$shop-%'" >/dev/null || failed=1
	echo
	echo "The day's shop $shop stays in this database; bash tools/day.sh --remove '$conn' $shop removes it."
fi
for k in $(sessions); do send $k "\\q" 2>/dev/null || true; done
exit $failed
