#!/usr/bin/env bash
# NOTIFY in its three modes, on a cluster of its own that preloads the
# library (so that the doorbell worker runs):
#   - doorbell (the default when preloaded): writing transactions do not notify; they count their topics
#     in shared memory at commit, and the worker announces each channel whose
#     count moved, once per look, never for events that rolled back;
#   - commit: the writing transaction notifies once per channel, with its
#     first event on that topic, at commit; a subtransaction that rolls back
#     takes its notification with it;
#   - off: the writer notifies nothing;
#   - each database has its own worker, started by the launcher when its
#     first events commit, and rings in that database only; DROP DATABASE
#     does not wait for the worker, and frees its slot;
#   - terminated, the worker comes back and rings for what committed while
#     it was away.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

export OT_PORT=$(( ${PGPORT:-54329} + 11 ))
trap 'ot_cluster_destroy' EXIT
ot_cluster_start -c shared_preload_libraries=ordertrack -c ordertrack.doorbell_interval=50ms || exit 1
ot_psql -d postgres -c "CREATE EXTENSION ordertrack"
ot_is "$(ot_val postgres "SHOW ordertrack.notify")" doorbell "doorbell is the default mode when the library is preloaded"
workers() {	# the doorbell processes: "type database", one per line, sorted
	ot_val postgres "SELECT string_agg(backend_type || ' ' || coalesce(datname, '-'), ',' ORDER BY backend_type, datname)
		FROM pg_stat_activity WHERE backend_type LIKE 'ordertrack doorbell%'"
}
wait_workers() {	# until the doorbell processes are the given ones (5 s at most)
	for i in $(seq 1 50); do [ "$(workers)" = "$1" ] && break; sleep 0.1; done
	workers
}
ot_is "$(wait_workers 'ordertrack doorbell launcher -')" 'ordertrack doorbell launcher -' \
	"the doorbell launcher runs when the library is preloaded, and no worker before any event"

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
ot_is "$(workers)" 'ordertrack doorbell postgres,ordertrack doorbell launcher -' \
	"doorbell: the launcher started a worker for the database whose events committed"

# A second database: its events ring in it, not in postgres, and postgres's
# not in it.
"$PGBIN/createdb" shop2 && ot_psql -d shop2 -c "CREATE EXTENSION ordertrack"
listen_in() {	# database, statements: a listener there; another session writes in shop2 and postgres
	"$PGBIN/psql" -X -d "$1" -v ON_ERROR_STOP=1 2>&1 <<SQL
LISTEN ordertrack_warehouse;
SELECT pg_sleep(0.1);
\\! $PGBIN/psql -X -q -d shop2 -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s2', 'warehouse', 'in_shop2')"
SELECT pg_sleep(0.8);
\\! $PGBIN/psql -X -q -d postgres -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'in_postgres'), ('s', 'warehouse', 'twice')"
SELECT pg_sleep(0.6);
SQL
}
out2=$(listen_in shop2)
e2=$(ot_val shop2 "SELECT max(event_id) FROM ordertrack.events")
out1=$(listen_in postgres)
e1=$(ot_val postgres "SELECT max(event_id) FROM ordertrack.events")
ot_is "$(grep -c 'ordertrack_warehouse' <<<"$out2") $(grep -c '"event_id": '"$e2"', "topic": "warehouse", "transactions": 1,' <<<"$out2")" "1 1" \
	"doorbell: a listener in shop2 hears shop2's event once, and nothing of postgres's"
ot_is "$(grep -c 'ordertrack_warehouse' <<<"$out1") $(grep -c '"event_id": '"$e1"', "topic": "warehouse", "transactions": 1,' <<<"$out1")" "1 1" \
	"doorbell: a listener in postgres hears postgres's transaction once, and nothing of shop2's"
ot_is "$(workers)" 'ordertrack doorbell postgres,ordertrack doorbell shop2,ordertrack doorbell launcher -' \
	"doorbell: one worker per database"
start=$(date +%s%N)
"$PGBIN/dropdb" shop2
ot_is "$? $(( ($(date +%s%N) - start) / 1000000 < 3000 ))" "0 1" "DROP DATABASE of a database with a doorbell worker succeeds at once"
ot_is "$(wait_workers 'ordertrack doorbell postgres,ordertrack doorbell launcher -')" 'ordertrack doorbell postgres,ordertrack doorbell launcher -' \
	"and its worker is gone"
"$PGBIN/createdb" shop3 && ot_psql -d shop3 -c "CREATE EXTENSION ordertrack" -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s3', 'alerts', 'a')"
ot_is "$(wait_workers 'ordertrack doorbell postgres,ordertrack doorbell shop3,ordertrack doorbell launcher -')" \
	'ordertrack doorbell postgres,ordertrack doorbell shop3,ordertrack doorbell launcher -' "a new database's first event starts its worker"
start=$(date +%s%N)
ot_psql -d postgres -c "ALTER DATABASE shop3 RENAME TO shop4"
ot_is "$? $(( ($(date +%s%N) - start) / 1000000 < 3000 ))" "0 1" "ALTER DATABASE ... RENAME of a database with a doorbell worker succeeds at once"
ot_psql -d shop4 -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s3', 'alerts', 'b')"
ot_is "$(wait_workers 'ordertrack doorbell postgres,ordertrack doorbell shop4,ordertrack doorbell launcher -')" \
	'ordertrack doorbell postgres,ordertrack doorbell shop4,ordertrack doorbell launcher -' "and its worker comes back for its next event"
ot_psql -d postgres -c "CREATE ROLE ot_stranger LOGIN"
worker4() { ot_val postgres "SELECT pid FROM pg_stat_activity WHERE backend_type = 'ordertrack doorbell' AND datname = 'shop4'"; }
before=$(worker4)
"$PGBIN/psql" -X -q -U ot_stranger -d postgres -c "DROP DATABASE shop4" >/dev/null 2>&1
ot_is "$? $(worker4)" "1 $before" "a DROP DATABASE its user may not run fails and leaves the database's worker alone"

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
ot_is "$(grep -c 'ordertrack_warehouse" with payload "{"event_id": [0-9]*, "topic": "warehouse", "kind": "pick_requested", "order_id": 7}" received from server process with PID '"$(sed -n 's/^me=//p' <<<"$out")"'\.$' <<<"$out")" 1 \
	"commit: its payload is the first event: id, topic, kind and order"
ot_is "$(grep -c 1234567890123452 <<<"$out")" 0 \
	"commit: and nothing the event says (any role may LISTEN): not its tracking number"
ot_is "$(bells "$out" alerts self)" 2 "commit: alerts once per transaction, also after a rolled-back subtransaction had notified"
ot_is "$(grep -c '"kind": "a4"' <<<"$out")" 1 "commit: the notification of the rolled-back subtransaction is replaced by the next event's"

out=$(listen "
SET ordertrack.notify = off;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'w7');")
ot_is "$(bells "$out" warehouse self)" 0 "off: the writer does not notify"

# The worker is terminated; an event commits while it is away; the
# launcher starts it again at its next look.
out=$(listen "
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'ordertrack doorbell' AND datname = 'postgres';
SELECT pg_sleep(0.5);
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'while_away');
SELECT pg_sleep(1);")
ot_is "$(bells "$out" warehouse other)" 1 "doorbell: terminated, the worker comes back and rings for what committed while it was away"

# Commits wake the worker: with a look only every minute, a commit still
# rings within a fraction of a second, and so does the first commit after
# the worker was terminated (it wakes the launcher).  A burst of commits is
# rung in fewer bells that count every transaction.
ot_psql -d postgres -c "ALTER SYSTEM SET ordertrack.doorbell_interval = '60s'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
out=$(listen "
SELECT pg_sleep(0.2);
\\! $PGBIN/psql -X -q -d postgres -c \"INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'woken')\"
SELECT pg_sleep(0.3);")
ot_is "$(bells "$out" warehouse other)" 1 "doorbell: a commit wakes the worker, which rings at once, not at its next look a minute later"
out=$(listen "
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'ordertrack doorbell' AND datname = 'postgres';
SELECT pg_sleep(0.3);
\\! $PGBIN/psql -X -q -d postgres -c \"INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'launched')\"
SELECT pg_sleep(1.5);")
ot_is "$(bells "$out" warehouse other)" 1 "doorbell: with no worker running, a commit wakes the launcher, whose new worker rings at once"
burst=$OT_CLUSTER_DIR/burst.sql
for i in $(seq 1 300); do echo "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'burst');"; done >"$burst"
out=$(listen "
SELECT pg_sleep(0.2);
\\! $PGBIN/psql -X -q -d postgres -f $burst
SELECT pg_sleep(1);")
rung=$(grep -o '"topic": "warehouse", "transactions": [0-9]*' <<<"$out" | awk '{ n++; t += $NF } END { print n + 0, t + 0 }')
ot_is "$(awk '{ print ($1 >= 1 && $1 < 300) ? "coalesced" : $1 " bells", $2 }' <<<"$rung")" "coalesced 300" \
	"doorbell: 300 commits in a burst are rung in fewer bells that count all 300 transactions (bells, transactions: $rung)"
ot_psql -d postgres -c "ALTER SYSTEM RESET ordertrack.doorbell_interval" -c "SELECT pg_reload_conf()" >/dev/null
ot_done
