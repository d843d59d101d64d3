#!/usr/bin/env bash
# NOTIFY in its three modes, on a cluster of its own that preloads the
# library (so that the doorbell worker runs):
#   - doorbell: writing transactions do not notify; they count their topics
#     in shared memory at commit, and the worker announces each channel whose
#     count moved, once per look, never for events that rolled back;
#   - commit: the writing transaction notifies once per channel, with its
#     first event on that topic, at commit; a subtransaction that rolls back
#     takes its notification with it;
#   - off: the writer notifies nothing;
#   - terminated, the worker comes back and rings for what committed while
#     it was away.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

export OT_PORT=$(( ${PGPORT:-54329} + 11 ))
trap 'ot_cluster_destroy' EXIT
ot_cluster_start -c shared_preload_libraries=ordertrack -c ordertrack.doorbell_database=postgres \
	-c ordertrack.doorbell_interval=50ms -c ordertrack.notify=doorbell || exit 1
ot_psql -d postgres -c "CREATE EXTENSION ordertrack"
for i in $(seq 1 50); do
	[ "$(ot_val postgres "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ordertrack doorbell'")" = 1 ] && break
	sleep 0.1
done
ot_is "$(ot_val postgres "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ordertrack doorbell'")" 1 \
	"the doorbell worker runs when the library is preloaded"

# One listening session; it writes some events itself and has another
# session write others.  psql prints each notification after the next
# statement, with the notifying process's PID.
listen() {
	"$PGBIN/psql" -X -d postgres -v ON_ERROR_STOP=1 2>&1 <<SQL
LISTEN ordertrack_warehouse;
LISTEN ordertrack_alerts;
SELECT pg_backend_pid() AS me \gset
\echo me=:me
$1
SELECT pg_sleep(0.6);
SQL
}
bells() {	# output channel [pid|other] -> count
	local me
	me=$(sed -n 's/^me=//p' <<<"$1")
	grep "^Asynchronous notification \"ordertrack_$2\"" <<<"$1" | {
		if [ "$3" = self ]; then grep -c "PID $me\.$"; else grep -vc "PID $me\.$"; fi; }
}

out=$(listen "
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'w1'), ('s', 'warehouse', 'w2'), ('s', 'alerts', 'a1');
SELECT pg_sleep(0.6);
\\! $PGBIN/psql -X -q -d postgres -c \"INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'w3')\"
SELECT pg_sleep(0.6);
BEGIN;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'w4');
SELECT pg_sleep(0.3);
ROLLBACK;")
ot_is "$(bells "$out" warehouse self)" 0 "doorbell: the writing transaction does not notify"
ot_is "$(bells "$out" warehouse other)" 2 "doorbell: the worker rings warehouse once per look: w1+w2, then w3; not the rolled-back w4"
ot_is "$(bells "$out" alerts other)" 1 "doorbell: and alerts once"
w2=$(ot_val postgres "SELECT event_id FROM ordertrack.events WHERE kind = 'w2'")
ot_is "$(grep -c '"ordertrack_warehouse" with payload "{"event_id": '"$w2"', "topic": "warehouse", "transactions": 1, "doorbell": true}"' <<<"$out")" 1 \
	"doorbell: the payload names the newest event and how many transactions committed events"

out=$(listen "
SET ordertrack.notify = commit;
BEGIN;
INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload) VALUES ('s', 'warehouse', 'pick_requested', 7, '{\"tracking_no\": \"1234567890123452\"}');
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'w6'), ('s', 'alerts', 'a2');
SAVEPOINT sub;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'production', 'p1');
ROLLBACK TO sub;
COMMIT;
BEGIN;
SAVEPOINT sub;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'alerts', 'a3');
ROLLBACK TO sub;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'alerts', 'a4');
COMMIT;")
ot_is "$(bells "$out" warehouse self)" 1 "commit: one NOTIFY per channel for a transaction's events on it"
ot_is "$(grep -c 'ordertrack_warehouse" with payload "{"event_id": [0-9]*, "topic": "warehouse", "kind": "pick_requested", "order_id": 7, "tracking_no": "1234567890123452"}" received from server process with PID '"$(sed -n 's/^me=//p' <<<"$out")"'\.$' <<<"$out")" 1 \
	"commit: its payload is the first event: id, topic, kind, order and tracking number"
ot_is "$(bells "$out" alerts self)" 2 "commit: alerts once per transaction, also after a rolled-back subtransaction had notified"
ot_is "$(grep -c '"kind": "a4"' <<<"$out")" 1 "commit: the notification of the rolled-back subtransaction is replaced by the next event's"

out=$(listen "
SET ordertrack.notify = off;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'w7');")
ot_is "$(bells "$out" warehouse self)" 0 "off: the writer does not notify"

# The worker is terminated; an event commits while it is away; the
# postmaster starts it again after 10 s (bgw_restart_time).
out=$(listen "
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'ordertrack doorbell';
SELECT pg_sleep(0.5);
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'while_away');
SELECT pg_sleep(13);")
ot_is "$(bells "$out" warehouse other)" 1 "doorbell: terminated, the worker comes back and rings for what committed while it was away"
ot_done
