#!/usr/bin/env bash
# Volume and concurrency of issuing:
# - 1,000,000 numbers issued in one database, checked by an independent
#   program (test/unit/check_numbers.c): 16 digits, first not 0, valid
#   check digit, none passing Luhn, all distinct;
# - 4 pgbench clients issuing at once into a table with a primary key.
# Needs the cluster from test/run.sh (PG* set).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

db=ot_volume
ot_fresh_db $db
make -s test/unit/check_numbers || exit 1
"$PGBIN/psql" -X -At -v ON_ERROR_STOP=1 -d $db \
	-c "SELECT ordertrack.issue_tracking_no() FROM generate_series(1, 1000000)" | test/unit/check_numbers
OT_TAP_N=4
ot_is "${PIPESTATUS[0]}" 0 "1,000,000 numbers issued in one statement"

ot_psql -d $db -c "CREATE TABLE issued (n ordertrack.tracking_no PRIMARY KEY)"
script=$(mktemp)
echo "INSERT INTO issued SELECT ordertrack.issue_tracking_no() FROM generate_series(1, 10);" >"$script"
"$PGBIN/pgbench" -n -c 4 -j 2 -t 1000 -f "$script" $db >"$script.log" 2>&1
ot_is "$?" 0 "4 concurrent clients issued 40,000 numbers with no primary-key violation"
grep -E 'failed|aborted' "$script.log" | sed 's/^/# /'
ot_is "$(ot_val $db "SELECT count(DISTINCT n) FROM issued")" 40000 "40,000 distinct numbers from 4 clients"
rm -f "$script" "$script.log"
"$PGBIN/dropdb" $db
ot_done
