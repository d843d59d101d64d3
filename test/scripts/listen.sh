#!/usr/bin/env bash
# ordertrack-listen, the consumer program, on a cluster of its own that
# preloads the library (so that the doorbell worker can ring):
#   - usage errors exit 1, start-up errors 2 with the server's message;
#   - --once prints exactly the events of its topics, one JSON line each,
#     oldest first, all fields intact, and acknowledges them;
#   - live: bells (commit and doorbell modes) wake it at once, the interval
#     catches what no bell announced; a transaction that commits late is
#     delivered when it commits; rolled-back events never;
#   - kill -9 in the middle of a stream of writes, then restart: nothing is
#     lost, and nothing acknowledged before the kill comes again;
#   - a terminated backend and a restarted server: it reconnects and goes on;
#   - a closed standard output: status 2, not death by SIGPIPE; SIGTERM ends
#     a wait for a server that does not answer; TCP keepalives start after
#     30 s of silence.
# Output lines are checked by the server: loaded into a table, parsed as
# json and compared with ordertrack.events.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

export OT_PORT=$(( ${PGPORT:-54329} + 13 ))
OT_CLUSTER_DIR=	# not test/run.sh's cluster: the trap destroys ours only
WORK=$(mktemp -d /tmp/ordertrack-listen.XXXXXX)
BG_PIDS=()
# Kills what we started in the background, then drops the cluster.
cleanup() {
	for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	ot_cluster_destroy
	rm -rf "$WORK"
}
trap cleanup EXIT

LISTEN=$PGBIN/ordertrack-listen
[ -x "$LISTEN" ] || LISTEN=$PWD/src/listen/ordertrack-listen
if [ ! -x "$LISTEN" ]; then
	ot_is "missing" "built" "ordertrack-listen is built (make) and installed (make install)"
	ot_done; exit 1
fi
echo "# using $LISTEN"

ot_cluster_start -c shared_preload_libraries=ordertrack -c ordertrack.notify=commit \
	-c ordertrack.doorbell_interval=50ms -c listen_addresses=127.0.0.1 || exit 1

# A database with the extension and the checking helpers (schema t).
setup_db() {
	"$PGBIN/createdb" "$1" && ot_psql -d "$1" -c "CREATE EXTENSION ordertrack" -c "CREATE SCHEMA t" -c "
CREATE FUNCTION t.valid_json(s text) RETURNS boolean LANGUAGE plpgsql AS \$\$
BEGIN
	RETURN json_typeof(s::json) = 'object';
EXCEPTION WHEN others THEN
	RETURN false;
END \$\$"
}

# Loads the lines of an output file into table t.NAME (n: line number).
# CSV with quote and delimiter that JSON never holds raw: no escapes apply.
load() {	# db name file
	ot_psql -d "$1" -c "CREATE TABLE t.$2 (n int GENERATED ALWAYS AS IDENTITY, line text)" \
		-c "\\copy t.$2 (line) FROM '$3' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02', ENCODING 'UTF8')"
}

# Starts the program in the background: OUT and ERR files, then its options.
start_bg() {	# out err args...
	local out=$1 err=$2; shift 2
	"$LISTEN" "$@" >"$out" 2>"$err" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# Waits until a command succeeds, for at most the given seconds.
wait_until() {	# seconds command...
	local end=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
	until "$@"; do
		[ $(( $(date +%s%N) / 1000000 )) -ge $end ] && return 1
		sleep 0.05
	done
}
val_is() { [ "$(ot_val "$1" "$2")" = "$3" ]; }	# db query want
has_lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }	# file n
has_kind() { grep -q "\"kind\": \"$2\"" "$1"; }	# file kind
consumer_up() {	# db consumer: it has LISTENed and polled
	[ "$(ot_val "$1" "SELECT count(*) FROM ordertrack.consumers WHERE consumer = '$2' AND polled_at IS NOT NULL")" = 1 ]
}
# Stops a background run with a signal; its exit status goes in $STATUS.
stop_bg() {	# pid [signal]
	kill -"${2:-TERM}" "$1"
	wait "$1"
	STATUS=$?
}

# ---------------------------------------------------------------------------
# 1. Usage and start-up errors
"$LISTEN" --topics warehouse --once >/dev/null 2>"$WORK/err"
ot_is "$?:$(grep -c -e '--consumer is required' -e '^Usage:' "$WORK/err")" "1:2" "usage: no --consumer exits 1, says so and shows the usage"
"$LISTEN" --consumer c --topics warehouse,parcels --once >/dev/null 2>"$WORK/err"
ot_is "$?:$(grep -c 'unknown topic "parcels"' "$WORK/err")" "1:1" "usage: an unknown topic exits 1 and names it"
"$LISTEN" --consumer c --max 0 --once >/dev/null 2>"$WORK/err"
ot_is "$?" 1 "usage: --max 0 exits 1"
"$LISTEN" --consumer c --once "host=/nonexistent port=x y" >/dev/null 2>"$WORK/err"
ot_is "$?:$(grep -c 'invalid connection string' "$WORK/err")" "1:1" "usage: a malformed connection string exits 1"
"$PGBIN/createdb" noext
"$LISTEN" --consumer c --once dbname=noext >"$WORK/out" 2>"$WORK/err"
ot_is "$?:$(grep -c 'ERROR:  schema "ordertrack" does not exist' "$WORK/err"):$(wc -c <"$WORK/out")" "2:1:0" \
	"start-up: without the extension it exits 2 with the server's message"
"$LISTEN" --consumer c --once dbname=nosuchdb >/dev/null 2>"$WORK/err"
ot_is "$?:$(grep -c 'database "nosuchdb" does not exist' "$WORK/err")" "2:1" "start-up: a connection failure exits 2 with libpq's message"

# ---------------------------------------------------------------------------
# 2. --once: exactly its topics, one JSON line each, oldest first; acknowledged
db=once
setup_db $db
ot_psql -d $db <<'SQL'
INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload) VALUES
	('s1', 'warehouse', 'pick_requested', 1, '{"sku": "A-1", "qty": 2}'),
	('s1', 'intake', 'order_received', 1, '{}'),
	('s1', 'logistics', 'shipped', 2, '{"carrier": "DHL", "weights": [1.5, 2]}');
INSERT INTO ordertrack.events (shop, topic, kind, order_id) VALUES ('s2', 'alerts', 'flag_raised', NULL);
INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload) VALUES
	(E'shop "quoted" \\ back/slash', 'logistics', E'kind\nwith\ttab, \x01 \x1f controls, \u00e9 and \U0001F69A',
	 NULL, '{"note": "line\nbreak \"q\" \\ \u00fc"}');
INSERT INTO ordertrack.events (shop, topic, kind, order_id)
	SELECT 's3', (ARRAY['warehouse', 'logistics', 'customer', 'tracking'])[1 + i % 4], 'k' || i, i
	  FROM generate_series(1, 16) i;
SQL
"$LISTEN" --consumer c1 --topics warehouse,logistics --max 3 --once dbname=$db >"$WORK/once1.out" 2>"$WORK/once1.err"
ot_is "$?:$(wc -c <"$WORK/once1.err")" "0:0" "once: exits 0, nothing on stderr"
load $db once1 "$WORK/once1.out"
want="SELECT string_agg(event_id::text, ',' ORDER BY event_id) FROM ordertrack.events WHERE topic IN ('warehouse', 'logistics')"
ot_is "$(ot_val $db "SELECT string_agg(line::jsonb->>'event_id', ',' ORDER BY n) FROM t.once1")" "$(ot_val $db "$want")" \
	"once: exactly the warehouse and logistics events, in event_id order (11 of them, in polls of 3)"
ot_is "$(ot_val $db "SELECT count(*) FILTER (WHERE t.valid_json(line)) || '/' || count(*) FROM t.once1")" "11/11" \
	"once: every line is one valid JSON object"
ot_is "$(ot_val $db "SELECT count(*) FROM t.once1 o JOIN ordertrack.events e ON e.event_id = (o.line::jsonb->>'event_id')::bigint
	WHERE o.line::jsonb - 'created_at' = jsonb_build_object('event_id', e.event_id, 'topic', e.topic, 'kind', e.kind,
			'order_id', e.order_id, 'shop', e.shop, 'payload', e.payload)
	  AND (o.line::jsonb->>'created_at')::timestamptz = e.created_at")" 11 \
	"once: every field equals the row's (quotes, backslashes, control characters, non-ASCII, null order_id, payload)"
ot_is "$(ot_val $db "SELECT DISTINCT array_to_string(ARRAY(SELECT json_object_keys(line::json)), ',') FROM t.once1")" \
	"event_id,topic,kind,order_id,shop,created_at,payload" "once: the keys, in this order"
"$LISTEN" --consumer c1 --topics warehouse,logistics --once dbname=$db >"$WORK/once2.out" 2>&1
ot_is "$?:$(wc -c <"$WORK/once2.out")" "0:0" "once: a second run prints nothing (all acknowledged)"
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s4', 'intake', 'i_new'), ('s4', 'warehouse', 'w_new')"
"$LISTEN" --consumer c1 --once "postgresql:///$db" >"$WORK/once3.out" 2>&1
ot_is "$?:$(grep -c '' "$WORK/once3.out"):$(grep -c '"kind": "w_new"' "$WORK/once3.out")" "0:1:1" \
	"once: without --topics it keeps its subscription (URI connection)"
PGDATABASE=$db "$LISTEN" --consumer c2 --once >"$WORK/once4.out" 2>&1
ot_is "$?:$(grep -c '' "$WORK/once4.out")" "0:$(ot_val $db "SELECT count(*) FROM ordertrack.events")" \
	"once: a consumer that never subscribed gets every topic (PG* environment)"
PGDATABASE=$db "$LISTEN" --consumer c2 --once >"$WORK/once5.out" 2>&1
ot_is "$?:$(wc -c <"$WORK/once5.out")" "0:0" "once: and acknowledged it: its second run prints nothing"
if command -v valgrind >/dev/null; then
	ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) SELECT 's5', 'warehouse', 'v' || i FROM generate_series(1, 7) i"
	valgrind -q --leak-check=full --error-exitcode=9 "$LISTEN" --consumer c1 --max 3 --once dbname=$db \
		>"$WORK/vg.out" 2>"$WORK/vg.err"
	ot_is "$?:$(grep -c '' "$WORK/vg.out")" "0:7" "once under valgrind: no memory error, no leak"
	[ -s "$WORK/vg.err" ] && sed 's/^/# valgrind: /' "$WORK/vg.err" | head -40
else
	echo "# valgrind is not installed: skipped the valgrind run"
fi

# SIGTERM in the middle of a long drain: it ends after a whole line, which
# it acknowledges; the next run goes on from the line after.
db=term
setup_db $db
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) SELECT 's', 'intake', 'k' || i FROM generate_series(1, 20000) i"
start_bg "$WORK/term1.out" "$WORK/term1.err" --consumer c3 --max 100 dbname=$db
c3=$BG_PID
wait_until 10 has_lines "$WORK/term1.out" 1000
stop_bg $c3 TERM
ot_is "$STATUS:$(tail -c1 "$WORK/term1.out" | od -An -c | tr -d ' ')" '0:\n' "term: SIGTERM mid-drain: status 0, the output ends with a whole line"
"$LISTEN" --consumer c3 --once dbname=$db >"$WORK/term2.out" 2>&1
ot_is "$(cat "$WORK/term1.out" "$WORK/term2.out" | grep -o '^{"event_id": [0-9]*' | sort | uniq | wc -l):$(cat "$WORK/term1.out" "$WORK/term2.out" | wc -l)" \
	"20000:20000" "term: with the next run, every event once: the last line before the signal was acknowledged"
echo "# term: stopped after $(wc -l <"$WORK/term1.out") of 20000 lines"

# ---------------------------------------------------------------------------
# 3. Live, --interval 1: late commits, rollbacks, a write with no bell
db=live
setup_db $db
start_bg "$WORK/live.out" "$WORK/live.err" --consumer live --interval 1 dbname=$db
live=$BG_PID
wait_until 10 consumer_up $db live
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'first')"
# a long transaction writes an event, then a short one writes and commits
PGAPPNAME=ot_long ot_psql -d $db >/dev/null <<'SQL' &
BEGIN;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'logistics', 'long');
SELECT pg_sleep(5);
COMMIT;
SQL
long=$!
BG_PIDS+=("$long")
wait_until 10 val_is $db "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ot_long' AND wait_event = 'PgSleep'" 1
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'alerts', 'short')"
wait_until 3 has_kind "$WORK/live.out" short
ot_is "$(grep -c '"kind": "short"' "$WORK/live.out"):$(grep -c '"kind": "long"' "$WORK/live.out")" "1:0" \
	"live: an event is delivered while an older event's transaction is still open"
wait "$long"
ot_psql -d $db <<'SQL'
BEGIN;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'rolled_back');
ROLLBACK;
BEGIN;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'kept');
SAVEPOINT a;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'customer', 'sub_rolled_back');
ROLLBACK TO a;
COMMIT;
SET ordertrack.notify = off;
INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'tracking', 'no_bell');
SQL
wait_until 5 has_kind "$WORK/live.out" no_bell
sleep 1.5	# a few more intervals: nothing may come twice
stop_bg $live TERM
ot_is "$STATUS" 0 "live: SIGTERM ends it with status 0"
load $db live "$WORK/live.out"
ot_is "$(ot_val $db "SELECT string_agg(line::jsonb->>'kind', ',' ORDER BY n) FROM t.live")" "first,short,long,kept,no_bell" \
	"live: every committed event once, in commit order (the long transaction's when it committed), no rolled-back one"
ot_is "$(grep -c -e 'rolled_back' "$WORK/live.out"):$(wc -c <"$WORK/live.err")" "0:0" "live: no rolled-back event; nothing on stderr"

# Bells: with --interval 60, only a bell brings an event within seconds.
db=postgres
ot_psql -d $db -c "CREATE EXTENSION ordertrack"
start_bg "$WORK/bell.out" "$WORK/bell.err" --consumer bell --topics warehouse --interval 60
bell=$BG_PID
wait_until 10 consumer_up $db bell
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'rung_at_commit')"
wait_until 3 has_kind "$WORK/bell.out" rung_at_commit
ot_is "$(grep -c '' "$WORK/bell.out")" 1 "bell: in mode commit the writer's NOTIFY wakes it at once"
# the worker rings when the server's setting is doorbell (writers then do not)
ot_psql -d $db -c "ALTER SYSTEM SET ordertrack.notify = doorbell" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1		# the worker's first look in this mode only takes its snapshot
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'rung_by_worker')"
wait_until 3 has_kind "$WORK/bell.out" rung_by_worker
ot_is "$(grep -c '' "$WORK/bell.out")" 2 "bell: in mode doorbell the worker's NOTIFY wakes it at once"
ot_psql -d $db -c "ALTER SYSTEM RESET ordertrack.notify" -c "SELECT pg_reload_conf()" >/dev/null
ot_psql -d $db -c "SET ordertrack.notify = off" -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'warehouse', 'silent')"
sleep 1.5
ot_is "$(grep -c '' "$WORK/bell.out")" 2 "bell: in mode off no bell rings, and the interval has not come"
stop_bg $bell INT
ot_is "$STATUS:$(wc -c <"$WORK/bell.err")" "0:0" "bell: SIGINT ends it with status 0"
"$LISTEN" --consumer bell --once >"$WORK/bell2.out" 2>&1
ot_is "$(grep -c '"kind": "silent"' "$WORK/bell2.out")" 1 "bell: the event with no bell is there at the next poll"

# ---------------------------------------------------------------------------
# 4. kill -9 in the middle of a stream of writes, then restart
db=crash
setup_db $db
writer() {	# name; 1000 events, one per transaction, every tenth rolled back
	ot_psql -d $db -c "DO \$\$ BEGIN
	FOR i IN 1..1000 LOOP
		INSERT INTO ordertrack.events (shop, topic, kind, order_id)
		VALUES ('s', (ARRAY['intake', 'alerts', 'warehouse', 'production', 'logistics', 'customer', 'tracking'])[1 + i % 7], '$1', i);
		IF i % 10 = 0 THEN ROLLBACK; ELSE COMMIT; END IF;
		PERFORM pg_sleep(0.008);
	END LOOP;
END \$\$"
}
# The first run writes into a pipe.  Once under way, it is paused while
# the writers go on, and the pipe's reader too; resumed, it polls a batch of
# 500 events from the backlog, more than the pipe holds (some 64 kB, 400
# lines), and blocks writing it: part of the batch is in the pipe, printed
# and not acknowledged.  It is killed there.
mkfifo "$WORK/crash1.fifo"
cat "$WORK/crash1.fifo" >"$WORK/crash1.out" &
reader=$!
BG_PIDS+=("$reader")
start_bg "$WORK/crash1.fifo" "$WORK/crash1.err" --consumer c4 --max 500 --interval 1 dbname=$db
c4=$BG_PID
wait_until 10 consumer_up $db c4
writer w1 & w1=$!
writer w2 & w2=$!
BG_PIDS+=("$w1" "$w2")
wait_until 20 has_lines "$WORK/crash1.out" 100
kill -STOP $c4 $reader
wait_until 30 val_is $db "SELECT count(*) >= $(wc -l <"$WORK/crash1.out") + 700 FROM ordertrack.events" t
kill -CONT $c4
blocked() { grep -q pipe_write "/proc/$c4/wchan" 2>/dev/null; }
wait_until 5 blocked
sleep 0.2
kill -0 $w1 2>/dev/null && kill -0 $w2 2>/dev/null
midstream=$?
kill -9 $c4
wait $c4 2>/dev/null
kill -CONT $reader
wait $reader		# it empties the pipe into the file
# the position at the kill, once the killed client's backend has gone
wait_until 10 val_is $db "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND application_name = 'ordertrack-listen'" 0
ot_psql -d $db -c "CREATE TABLE t.at_kill AS SELECT * FROM ordertrack.consumers WHERE consumer = 'c4'"
ot_is "$midstream:$(ot_val $db "SELECT acked_id > 0 OR done IS NOT NULL FROM t.at_kill")" "0:t" \
	"kill: killed while the writers wrote, after it had acknowledged events"
sleep 0.5
start_bg "$WORK/crash2.out" "$WORK/crash2.err" --consumer c4 --max 50 --interval 1 dbname=$db
c4=$BG_PID
wait $w1 $w2
ids_seen() { cat "$WORK/crash1.out" "$WORK/crash2.out" | grep -o '^{"event_id": [0-9]*' | sort -u | wc -l; }
seen_all() { [ "$(ids_seen)" -ge 1800 ]; }
wait_until 30 seen_all
sleep 1.5
stop_bg $c4 TERM
ot_is "$STATUS" 0 "kill: the restarted run ends with status 0 on SIGTERM"
"$LISTEN" --consumer c4 --once dbname=$db >"$WORK/crash3.out" 2>&1
ot_is "$?:$(wc -c <"$WORK/crash3.out")" "0:0" "kill: then nothing is left to deliver"
# a line cut short by the kill is not a line: its event was not acknowledged
partial=0
if [ -s "$WORK/crash1.out" ] && [ -n "$(tail -c1 "$WORK/crash1.out")" ]; then
	partial=1
	sed -i '$d' "$WORK/crash1.out"
fi
load $db crash1 "$WORK/crash1.out"
load $db crash2 "$WORK/crash2.out"
ot_psql -d $db -c "CREATE VIEW t.seen AS SELECT 1 AS run, n, (line::jsonb->>'event_id')::bigint AS id FROM t.crash1
	UNION ALL SELECT 2, n, (line::jsonb->>'event_id')::bigint FROM t.crash2"
ot_is "$(ot_val $db "SELECT count(*) FILTER (WHERE NOT t.valid_json(line)) FROM (SELECT line FROM t.crash1 UNION ALL SELECT line FROM t.crash2) l")" 0 \
	"kill: every complete line of both runs is valid JSON"
ot_is "$(ot_val $db "SELECT count(*) FROM ordertrack.events")" 1800 "kill: the writers committed 1800 events (200 rolled back)"
ot_is "$(ot_val $db "SELECT count(*) FROM ordertrack.events e WHERE NOT EXISTS (SELECT 1 FROM t.seen s WHERE s.id = e.event_id)")" 0 \
	"kill: no event is missing from the two runs"
ot_is "$(ot_val $db "SELECT count(*) FROM t.seen s WHERE NOT EXISTS (SELECT 1 FROM ordertrack.events e WHERE e.event_id = s.id)")" 0 \
	"kill: no event that rolled back was printed"
ot_is "$(ot_val $db "SELECT count(*) FROM (SELECT run, id FROM t.seen GROUP BY run, id HAVING count(*) > 1) d")" 0 \
	"kill: neither run printed an event twice"
# acknowledged at the kill: visible in done, or in the batch up to acked_id
acked="(k.done IS NOT NULL AND pg_visible_in_snapshot(e.xact_id, k.done))
	OR (k.batch IS NOT NULL AND pg_visible_in_snapshot(e.xact_id, k.batch) AND e.event_id <= k.acked_id)"
ot_is "$(ot_val $db "SELECT count(*) FROM t.at_kill k, ordertrack.events e
	WHERE e.event_id IN (SELECT id FROM t.seen GROUP BY id HAVING count(*) > 1) AND ($acked)")" 0 \
	"kill: no event acknowledged before the kill came again"
ot_is "$(ot_val $db "SELECT count(*) FROM t.at_kill k, ordertrack.events e
	WHERE ($acked) AND NOT EXISTS (SELECT 1 FROM t.seen s WHERE s.run = 1 AND s.id = e.event_id)")" 0 \
	"kill: every event acknowledged before the kill had been printed by the first run"
repeated=$(ot_val $db "SELECT count(*) FROM (SELECT id FROM t.seen GROUP BY id HAVING count(*) > 1) d")
ot_is "$([ "$repeated" -gt 0 ] && [ "$repeated" -le 500 ] && echo yes)" yes \
	"kill: what it had printed and not acknowledged came again: at most one batch (--max 500)"
echo "# kill: the first run printed $(wc -l <"$WORK/crash1.out") complete lines (+$partial cut short); $repeated came again after the restart"

# ---------------------------------------------------------------------------
# 5. Reconnecting: a terminated backend, then a server restart
db=reco
setup_db $db
start_bg "$WORK/reco.out" "$WORK/reco.err" --consumer c5 --interval 1 dbname=$db
c5=$BG_PID
wait_until 10 consumer_up $db c5
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'intake', 'before')"
wait_until 5 has_kind "$WORK/reco.out" before
ot_is "$(ot_val $db "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$db' AND application_name = 'ordertrack-listen'")" 1 \
	"reconnect: its backend (application_name ordertrack-listen) is terminated"
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'intake', 'while_away')"
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'customer', 'after')"
wait_until 10 has_kind "$WORK/reco.out" after
ot_is "$(kill -0 $c5 && grep -c '' "$WORK/reco.out"):$(grep -c -E 'connection lost|(poll|ack) failed' "$WORK/reco.err"):$(grep -c 'reconnected' "$WORK/reco.err")" "3:1:1" \
	"reconnect: it reports the loss, reconnects and delivers what came meanwhile"
ot_cluster_ctl stop
sleep 2
ot_cluster_ctl start
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s', 'tracking', 'after_restart')"
wait_until 40 has_kind "$WORK/reco.out" after_restart
sleep 1
stop_bg $c5 TERM
ot_is "$STATUS" 0 "reconnect: it survives a server restart (backing off) and ends with status 0"
load $db reco "$WORK/reco.out"
ot_is "$(ot_val $db "SELECT string_agg(line::jsonb->>'kind', ',' ORDER BY n) FROM t.reco")" "before,while_away,after,after_restart" \
	"reconnect: every event once, none lost"
echo "# reconnect: waits before its attempts: $(grep -o 'reconnecting in [0-9]* s' "$WORK/reco.err" | sed 's/reconnecting in //' | tr '\n' ' ')"

# ---------------------------------------------------------------------------
# 6. A closed standard output, a server that does not answer, keepalives
db=stuck
setup_db $db
ot_psql -d $db -c "INSERT INTO ordertrack.events (shop, topic, kind) SELECT 's', 'intake', 'piped' FROM generate_series(1, 500)"
# the reader is gone before the first line is written
( sleep 0.5; exec "$LISTEN" --consumer piped --once dbname=$db 2>"$WORK/pipe.err" ) | true
st=${PIPESTATUS[0]}
ot_is "$st:$(grep -c 'could not write to standard output' "$WORK/pipe.err")" "2:1" \
	"closed stdout: exits 2 and says why (not killed by SIGPIPE, 141)"
ot_is "$("$LISTEN" --consumer piped --once dbname=$db | grep -c '"kind": "piped"')" 500 \
	"closed stdout: what it could not print was not acknowledged"
# poll() waits for the consumer's row, which another session holds locked
ot_psql -d $db -c "INSERT INTO ordertrack.consumers (consumer) VALUES ('stuck')"
ot_psql -d $db -c "BEGIN" -c "SELECT FROM ordertrack.consumers WHERE consumer = 'stuck' FOR UPDATE" \
	-c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
BG_PIDS+=("$holder")
wait_until 10 val_is $db "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" 1
start_bg "$WORK/stuck.out" "$WORK/stuck.err" --consumer stuck --interval 60 dbname=$db
stuck=$BG_PID
wait_until 10 val_is $db "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND application_name = 'ordertrack-listen' AND wait_event_type = 'Lock'" 1
kill -TERM $stuck
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_until 3 gone $stuck
ended=$?
kill -9 $stuck 2>/dev/null
wait $stuck
STATUS=$?
ot_is "$ended:$STATUS" "0:0" "stop: SIGTERM ends a wait for a server that does not answer, with status 0"
ot_val $db "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null
wait $holder 2>/dev/null
# over TCP, the socket's keepalive timer runs from 30 s (the kernel's default is 2 hours)
start_bg "$WORK/ka.out" "$WORK/ka.err" --consumer ka --interval 60 "host=127.0.0.1 port=$PGPORT dbname=$db"
ka=$BG_PID
wait_until 10 consumer_up $db ka
timer=$(ss -tnopH state established "( dport = :$PGPORT )" 2>/dev/null | grep "pid=$ka," | grep -o 'timer:(keepalive,[^,]*' | head -1)
ot_is "$([[ $timer =~ ^timer:\(keepalive,[0-9]+(sec|ms)$ ]] && echo under_a_minute || echo "${timer:-no keepalive timer}")" under_a_minute \
	"keepalives: the connection's keepalive timer is under a minute"
stop_bg $ka TERM
ot_done
