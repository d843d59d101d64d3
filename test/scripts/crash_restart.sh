#!/usr/bin/env bash
# Issue numbers, crash the server (immediate stop: no checkpoint, no clean
# shutdown), restart, issue more: no committed number is ever issued again.
# Runs three crash rounds, one of them while other sessions are issuing.
# Needs the cluster from test/run.sh (PG*, OT_CLUSTER_DIR set).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

db=ot_crash
ot_fresh_db $db
ot_psql -d $db -c "CREATE TABLE issued (n ordertrack.tracking_no PRIMARY KEY, round int NOT NULL)"

for round in 1 2 3; do
	ot_psql -d $db -c "INSERT INTO issued SELECT ordertrack.issue_tracking_no(), $round FROM generate_series(1, 5000)"
	if [ $round = 3 ]; then
		# sessions issuing when the crash comes: their work may be lost, never repeated
		for i in 1 2; do
			"$PGBIN/psql" -X -q -d $db -c "INSERT INTO issued SELECT ordertrack.issue_tracking_no(), $round FROM generate_series(1, 2000000)" \
				>/dev/null 2>&1 &
		done
		sleep 1
	fi
	ot_cluster_ctl crash
	wait
	ot_cluster_ctl start
	ot_is "$(ot_val $db "SELECT count(*) >= $round * 5000 FROM issued")" t "round $round: committed numbers survive the crash"
	ot_psql -d $db -c "INSERT INTO issued SELECT ordertrack.issue_tracking_no(), -$round FROM generate_series(1, 5000)" 2>&1
	ot_is "$?" 0 "round $round: 5,000 numbers issued after restart, none equal to a committed one"
done
ot_is "$(ot_val $db "SELECT count(*) = count(DISTINCT n) FROM issued")" t "all committed numbers are distinct"
ot_is "$(ot_val $db "SELECT count(*) FROM issued WHERE NOT ordertrack.tracking_no_valid(n::text)")" 0 "all are valid"
"$PGBIN/dropdb" $db
ot_done
