#!/usr/bin/env bash
# The outbox's exactly-once delivery with the doorbell, on a cluster of its
# own that preloads the library (ordertrack.notify is then doorbell, and
# commits wake the worker):
#   - the isolation spec outbox_delivery (specs/), which the regress suite
#     runs on a cluster without the doorbell, passes here too;
#   - ordertrack-listen with its default options, reading while four
#     pgbench clients write orders (intake's order_received and the
#     flags' events) and then a backlog of 30,000 events, receives every
#     committed event exactly once, with the doorbell's look in case set
#     to a minute, so that only the commits' wake-ups ring.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

export OT_PORT=$(( ${PGPORT:-54329} + 17 ))
OT_CLUSTER_DIR=	# not test/run.sh's cluster: the trap destroys ours only
WORK=$(mktemp -d /tmp/ordertrack-delivery.XXXXXX)
chmod 755 "$WORK"
LPID=
cleanup() {
	[ -n "$LPID" ] && kill -9 "$LPID" 2>/dev/null
	wait 2>/dev/null
	ot_cluster_destroy
	rm -rf "$WORK"
}
trap cleanup EXIT
ot_cluster_start -c shared_preload_libraries=ordertrack -c ordertrack.doorbell_interval=60s || exit 1

# the spec, as the regress suite runs it, on this cluster
rm -rf output_iso
make -s PG_CONFIG="$PG_CONFIG" REGRESS= ISOLATION=outbox_delivery installcheck >"$WORK/iso.log" 2>&1
st=$?
ot_is "$st $(grep -c '\.\.\. ok\|^ok [0-9]' "$WORK/iso.log")" "0 1" \
	"isolation spec outbox_delivery passes with ordertrack.notify = doorbell (the default when preloaded)"
[ $st = 0 ] || { tail -20 "$WORK/iso.log"; cat output_iso/regression.diffs 2>/dev/null | head -60; }

ot_fresh_db shop >/dev/null
ot_is "$(ot_val shop "SHOW ordertrack.notify")" doorbell "the mode is doorbell"
ot_psql -d shop -c "INSERT INTO ordertrack.products (sku, title, spec, colour)
	SELECT 'SKU-' || g, 'product ' || g, 'M', 'blue' FROM generate_series(1, 1000) g" >/dev/null

"$PGBIN/ordertrack-listen" --consumer all --interval 600 shop >"$WORK/lines" 2>"$WORK/listen.err" &
LPID=$!
sleep 1
PGOPTIONS="-c synchronous_commit=off" "$PGBIN/pgbench" -n -M simple -c 4 -j 4 -t 400 -D schema=ordertrack -s 1 \
	-f test/bench/order.sql shop >"$WORK/pgbench.log" 2>&1
ot_is "$?" 0 "four clients wrote 1,600 orders"
ot_psql -d shop -c "INSERT INTO ordertrack.events (shop, topic, kind, order_id)
	SELECT 's' || g % 10, 'warehouse', 'pick_requested', g FROM generate_series(1, 30000) g" >/dev/null
want=$(ot_val shop "SELECT count(*) FROM ordertrack.events")
for i in $(seq 1 100); do
	[ "$(wc -l <"$WORK/lines")" -ge "$want" ] && break
	sleep 0.2
done
sleep 0.5
kill -TERM "$LPID"
wait "$LPID"
ot_is "$?" 0 "ordertrack-listen ends on SIGTERM"
LPID=
sed -n 's/^{"event_id": \([0-9]*\),.*/\1/p' "$WORK/lines" >"$WORK/ids"
ot_psql -d shop -c "CREATE TABLE got (event_id bigint)" -c "\\copy got FROM '$WORK/ids'" >/dev/null
ot_is "$(ot_val shop "SELECT count(*), count(DISTINCT event_id) FROM got")" "$want|$want" \
	"ordertrack-listen with its default options printed all $want events, none twice, with only commits ringing"
ot_is "$(ot_val shop "SELECT count(*) FROM ordertrack.events e WHERE NOT EXISTS (SELECT FROM got g WHERE g.event_id = e.event_id)")" 0 \
	"and none is missing"
ot_is "$(ot_val shop "SELECT count(*) FROM ordertrack.events WHERE kind = 'order_received'")" 1600 "intake announced every order"
ot_done
