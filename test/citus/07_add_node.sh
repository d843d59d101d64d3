#!/usr/bin/env bash
# A worker added later: Citus creates ordertrack there (with a key of its
# own); distribute() run again gives it the group's key, its group id as
# issuer and its range of row ids, and leaves the others alone.  The node
# is removed again at the end.  Needs the cluster of test/citus.sh with
# ordertrack distributed.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/citus_lib.sh

db=postgres
port=$((PGPORT + 3))
trap 'ot_psql -d $db -c "SELECT citus_remove_node('"'"'localhost'"'"', $port)" >/dev/null 2>&1; ot_citus_destroy' EXIT
ot_citus_node_start $port -c fsync=off >/dev/null || exit 1
ot_psql -h localhost -p $port -d $db -c "CREATE EXTENSION citus" >/dev/null || exit 1
ot_val $db "SELECT citus_add_node('localhost', $port)" >/dev/null
group=$(ot_val $db "SELECT groupid FROM pg_dist_node WHERE nodeport = $port")
on_new() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h localhost -p $port -d $db -c "$1"; }
ot_is "$(ot_val $db "SELECT result FROM run_command_on_workers(\$\$SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'\$\$)
	WHERE nodeport = $port")" "$(ot_val $db "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'")" \
	"Citus creates ordertrack on the new worker"
ot_is "$(ot_val $db "SELECT string_agg(object || ': ' || done, '; ' ORDER BY object) FROM ordertrack.distribute()")" \
	"node localhost:$((PGPORT + 1)): issuer 1, key kept; node localhost:$((PGPORT + 2)): issuer 2, key kept; node localhost:$port: issuer $group, key taken" \
	"distribute() again: the new worker takes the key as issuer $group, the others keep theirs"
key=$(ot_val $db "SELECT md5(secret) FROM ordertrack.tracking_secret")
ot_is "$(on_new "SELECT md5(secret) || '/' || issuer FROM ordertrack.tracking_secret")" "$key/$group" \
	"the new worker has the coordinator's key and its own issuer"
ot_is "$(on_new "SELECT nextval(pg_get_serial_sequence('ordertrack.flags', 'flag_id')) >> 48")" "$group" \
	"and draws row ids from its own range"
ot_done
