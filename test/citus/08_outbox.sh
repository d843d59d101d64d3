#!/usr/bin/env bash
# The outbox across the nodes: while four sessions write orders through the
# coordinator (single-shop and two-shop transactions, some rolled back,
# payments published by the coordinator's functions), ordertrack-listen on
# the coordinator and a consumer calling poll and ack in SQL each receive
# every event of both workers exactly once; an event is numbered by the
# node that stores it; a node's bell reaches a consumer connected to the
# coordinator; prune_events goes node by node; a worker refuses to poll.
# Needs the cluster of test/citus.sh with ordertrack distributed.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/citus_lib.sh

db=postgres
LISTEN=$PGBIN/ordertrack-listen
work=$(mktemp -d /tmp/ordertrack-citus-outbox.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
read -r a b <<<"$(ot_citus_two_shops $db ox)"
order() {	# shop, external_ref
	echo "SELECT ordertrack.submit_order('{\"shop\": \"$1\", \"external_ref\": \"$2\", \"account\": \"acc-$2\",
		\"recipient\": \"钱七\", \"phone\": \"13912345678\", \"address\": \"杭州市西湖区文三路90号5幢201室\",
		\"lines\": [{\"sku\": \"HD-1\", \"quantity\": 1}]}');"
}

# only this script's consumers from here on (prune_events waits for every consumer)
ot_psql -d $db -c "DELETE FROM ordertrack.consumers" >/dev/null
ot_psql -d $db -c "SELECT ordertrack.subscribe('ox-sql', '{intake,customer,alerts,warehouse,production,logistics,tracking}')" >/dev/null

"$LISTEN" --consumer ox-listen --max 7 --interval 1 "host=localhost port=$PGPORT dbname=$db user=$PGUSER" \
	>"$work/listen.out" 2>"$work/listen.err" &
listener=$!

# the SQL consumer: poll up to 9, acknowledge the last one handed out, until told to stop and drained
sql_consumer() {
	local ids
	while :; do
		ids=$(ot_psql -d $db -qAt -c "CREATE TEMP TABLE got AS SELECT event_id, row_number() OVER () AS n FROM ordertrack.poll('ox-sql', 9)" \
			-c "SELECT ordertrack.ack('ox-sql', event_id) FROM got ORDER BY n DESC LIMIT 1" \
			-c "SELECT string_agg(event_id::text, ' ' ORDER BY n) FROM got" 2>>"$work/sql.err" | tail -1)
		if [ -n "$ids" ]; then
			tr ' ' '\n' <<<"$ids" >>"$work/sql.out"
		elif [ -e "$work/stop" ]; then
			break
		else
			sleep 0.2
		fi
	done
}
sql_consumer &
sqlc=$!

for w in 1 2 3 4; do
	{
		for i in $(seq 1 25); do
			order "$a" "OX$w-$i-A"
			echo "BEGIN;"; order "$a" "OX$w-$i-B"; order "$b" "OX$w-$i-C"; echo "COMMIT;"
			echo "BEGIN;"; order "$b" "RB$w-$i"; echo "ROLLBACK;"
			order "$b" "OX$w-$i-D"
			echo "SELECT order_id AS paid FROM ordertrack.orders WHERE shop = '$b' AND external_ref = 'OX$w-$i-D' \\gset"
			echo "SELECT ordertrack.mark_paid(:paid);"
		done
	} >"$work/writer$w.sql"
	ot_psql -d $db -q -f "$work/writer$w.sql" >/dev/null 2>"$work/writer$w.err" &
	writers="${writers:-} $!"
done
# shellcheck disable=SC2086
wait $writers
ot_is "$(cat "$work"/writer*.err)" "" "four sessions wrote 400 orders through the coordinator, 100 of them in two-shop transactions"

total=$(ot_val $db "SELECT count(*) FROM ordertrack.events")
for _ in $(seq 1 120); do
	[ "$(grep -c '^{' "$work/listen.out")" -ge "$total" ] && [ "$(grep -c . "$work/sql.out" 2>/dev/null)" -ge "$total" ] && break
	sleep 0.5
done
touch "$work/stop"
wait $sqlc
kill -TERM $listener
wait $listener
ot_is "$(cat "$work/listen.err" "$work/sql.err")" "" "the consumers ran without an error"

ot_val $db "SELECT event_id FROM ordertrack.events ORDER BY 1" >"$work/outbox"
sed -n 's/^{"event_id": \([0-9]*\),.*/\1/p' "$work/listen.out" >"$work/listen.ids"
ot_is "$(ot_val $db "SELECT count(DISTINCT event_id >> 48) || ' nodes, ' || count(*) FILTER (WHERE payload->>'external_ref' LIKE 'OX%') || ' events of these orders'
	FROM ordertrack.events")" "2 nodes, 500 events of these orders" "the outbox holds the events of both workers: 400 orders received, 100 paid ($total in all)"
ot_is "$(wc -l <"$work/listen.ids") $(sort "$work/listen.ids" | uniq -d | wc -l) $(sort -n "$work/listen.ids" | diff - "$work/outbox" | wc -l)" \
	"$total 0 0" "ordertrack-listen received every event of every node exactly once ($total)"
ot_is "$(wc -l <"$work/sql.out") $(sort "$work/sql.out" | uniq -d | wc -l) $(sort -n "$work/sql.out" | diff - "$work/outbox" | wc -l)" \
	"$total 0 0" "poll and ack in SQL through the coordinator: every event exactly once"
ot_is "$(grep -c '"RB' "$work/listen.out")" 0 "nothing of the rolled-back orders"

# an order's events (all on its shop's node) came in the order they were written
ot_is "$(sed -n 's/^{"event_id": \([0-9]*\),.*"order_id": \([0-9null]*\), "shop": "\([^"]*\)".*/\3 \2 \1/p' "$work/listen.out" |
	awk '$2 != "null" { k = $1 " " $2; if (k in last && $3 < last[k]) bad++; last[k] = $3 } END { print bad + 0 }')" 0 \
	"no order's event came before an earlier one of the same order"

ot_is "$(ot_val $db "SELECT count(*) FROM ordertrack.events e
	JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('ordertrack.events', e.shop)
	WHERE e.kind = 'order_paid' AND (e.event_id >> 48) <> p.groupid")" 0 \
	"a payment published by the coordinator's function is numbered by the worker that stores it"

# a worker's bell reaches a consumer on the coordinator that would otherwise wait 10 minutes
"$LISTEN" --consumer ox-bell --interval 600 "host=localhost port=$PGPORT dbname=$db user=$PGUSER" \
	>"$work/bell.out" 2>"$work/bell.err" &
bell=$!
for _ in $(seq 1 100); do [ "$(grep -c . "$work/bell.out")" -ge "$total" ] && break; sleep 0.2; done
ot_psql -d $db -qc "$(order "$b" OX-BELL)" >/dev/null
for i in $(seq 1 300); do grep -q '"OX-BELL"' "$work/bell.out" && break; sleep 0.1; done
echo "# the bell's event came after $((i / 10)).$((i % 10)) s"
ot_is "$(grep -c '"OX-BELL"' "$work/bell.out")" 1 "an order on a worker reaches ordertrack-listen on the coordinator within 5 s (its bell relayed)"
kill -TERM $bell
wait $bell

# prune_events: the events every consumer has acknowledged, node by node
ot_psql -d $db -c "DELETE FROM ordertrack.consumers WHERE consumer = 'ox-listen'" >/dev/null
kept=$(ot_val $db "SELECT count(*) FROM ordertrack.events WHERE payload->>'external_ref' = 'OX-BELL'")
ot_is "$(ot_val $db "SELECT ordertrack.prune_events('0 s')")" "$total" \
	"prune_events() deletes what both consumers acknowledged, on both workers ($total)"
ot_is "$(ot_val $db "SELECT count(*) FROM ordertrack.events")" "$kept" "and keeps what ox-sql has not acknowledged"
ot_is "$(ot_val $db "SELECT string_agg(kind, ' ') FROM ordertrack.poll('ox-sql')")" "order_received" \
	"which it then receives"

ot_is "$(ot_psql -h localhost -p "${OT_CITUS_WORKERS%% *}" -d $db -c "SELECT * FROM ordertrack.poll('ox-w')" 2>&1 | head -1)" \
	"ERROR:  on a Citus cluster the outbox is read through the coordinator" "a worker refuses to poll (55000)"
ot_done
