#!/usr/bin/env bash
# Binary COPY of tracking numbers: valid ones round-trip; the receive
# function re-validates, so a binary stream carrying a bad int8 is refused
# with SQLSTATE 22P03.  Needs the cluster from test/run.sh (PG* set).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

db=ot_binary
ot_fresh_db $db
ot_psql -d $db -c "CREATE TABLE src (n ordertrack.tracking_no)" \
	-c "CREATE TABLE dst (n ordertrack.tracking_no)" \
	-c "CREATE TABLE raw (n bigint)" \
	-c "INSERT INTO src SELECT ordertrack.issue_tracking_no() FROM generate_series(1, 1000)"

"$PGBIN/psql" -X -q -d $db -c "COPY src TO STDOUT (FORMAT binary)" |
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d $db -c "COPY dst FROM STDIN (FORMAT binary)"
ot_is "$?" 0 "binary COPY out and in succeeds"
ot_is "$(ot_val $db "SELECT count(*) FROM src FULL JOIN dst ON src.n::bigint = dst.n::bigint WHERE src.n IS NULL OR dst.n IS NULL")" 0 \
	"every number comes back unchanged"

# The same int8 wire format with values that are not tracking numbers.
for bad in 1722836735402223 722836735402222 17228367354022220 -1722836735402222 0; do
	ot_psql -d $db -c "TRUNCATE raw" -c "INSERT INTO raw VALUES ($bad)"
	out=$("$PGBIN/psql" -X -q -d $db -c "COPY raw TO STDOUT (FORMAT binary)" |
		"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d $db \
			-c "\\set VERBOSITY verbose" -c "COPY dst FROM STDIN (FORMAT binary)" 2>&1)
	ot_is "$(echo "$out" | grep -o '22P03' | head -1)" 22P03 "binary input $bad is refused with 22P03"
done
ot_is "$(ot_val $db "SELECT count(*) FROM dst")" 1000 "nothing invalid got in"
"$PGBIN/dropdb" $db
ot_done
