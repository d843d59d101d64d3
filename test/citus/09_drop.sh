#!/usr/bin/env bash
# Removing ordertrack from a Citus cluster, as the README says: DROP
# EXTENSION on the coordinator, then DROP SCHEMA (Citus leaves the schema
# on every node, and the coordinator's placements of the reference tables
# in it); then ordertrack installs and distributes again.  Runs last: it
# drops everything the earlier scripts made.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/citus_lib.sh

db=postgres
schemas() {
	echo "$(ot_val $db "SELECT count(*) FROM pg_namespace WHERE nspname = 'ordertrack'") $(ot_val $db "SELECT string_agg(result, ' ' ORDER BY nodeport)
		FROM run_command_on_workers(\$\$SELECT count(*) FROM pg_namespace WHERE nspname = 'ordertrack'\$\$)")"
}
ot_is "$(ot_psql -d $db -qc "DROP EXTENSION ordertrack CASCADE" 2>&1 | grep -v '^NOTICE\|^DETAIL\|^drop cascades\|^and [0-9]* other')" "" \
	"DROP EXTENSION ordertrack CASCADE on the coordinator"
ot_is "$(ot_val $db "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'ordertrack.%'")" 0 \
	"Citus no longer knows any of its tables"
ot_is "$(ot_psql -d $db -qc "DROP SCHEMA ordertrack CASCADE" 2>&1 | grep -v '^NOTICE\|^DETAIL\|^drop cascades\|^and [0-9]* other')" "" \
	"DROP SCHEMA ordertrack CASCADE after it"
ot_is "$(schemas)" "0 0 0" "no ordertrack schema is left on any node"
ot_is "$(ot_psql -d $db -qc "CREATE EXTENSION ordertrack" 2>&1)$(ot_val $db "SELECT count(*) FROM ordertrack.distribute() WHERE done = 'distributed by shop'")" \
	"10" "ordertrack installs and distributes again"
ot_done
