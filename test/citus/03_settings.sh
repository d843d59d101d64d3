#!/usr/bin/env bash
# A settings change on the coordinator reaches every worker, even sessions
# that have the settings cached: a remarks keyword added, an edge added to
# the stage graph.  Each part runs in one coordinator session, whose
# connections to the workers (and their caches) live across its statements.
# Needs the cluster of test/citus.sh with ordertrack distributed.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/citus_lib.sh

db=postgres
# two shops that live on different workers
read -r s1 s2 <<<"$(ot_citus_two_shops $db k)"
ot_is "$(ot_val $db "SELECT count(DISTINCT p.groupid) FROM unnest(ARRAY['$s1', '$s2']) s
	JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('ordertrack.orders', s)")" 2 \
	"two shops on different workers: $s1 and $s2"

order() {	# shop, external_ref: the SQL that submits an order asking for the guard's room
	echo "SELECT ordertrack.submit_order('{\"shop\": \"$1\", \"external_ref\": \"$2\", \"account\": \"a-$2\",
		\"recipient\": \"王五\", \"phone\": \"13912345678\", \"address\": \"上海市浦东新区世纪大道100号5楼\",
		\"remarks\": \"放门卫室\", \"lines\": [{\"sku\": \"HD-1\", \"quantity\": 1}]}')"
}
req="SELECT string_agg(shop || ':' || external_ref || '=' || array_to_string(service_requirements, ','), ' ' ORDER BY shop, external_ref)
	FROM ordertrack.orders WHERE external_ref LIKE 'K-%'"
ot_psql -d $db -c "$(order "$s1" K-1)" -c "$(order "$s2" K-1)" \
	-c "INSERT INTO ordertrack.special_request_keywords (keyword, tag) VALUES ('门卫室', 'parcel_locker')" \
	-c "$(order "$s1" K-2)" -c "$(order "$s2" K-2)" >/dev/null
ot_is "$(ot_val $db "$req")" "$s1:K-1=none $s1:K-2=parcel_locker $s2:K-1=none $s2:K-2=parcel_locker" \
	"a keyword added on the coordinator: both workers use it for the next order, in the same session"
ot_is "$(ot_val $db "SELECT string_agg(result, ' ' ORDER BY nodeport) FROM run_command_on_workers(
	\$\$SELECT origin FROM ordertrack.special_request_keywords WHERE keyword = '门卫室'\$\$)")" "custom custom" \
	"the row is custom on every worker"

# the stage graph: a move refused, the edge added, the same move allowed
id1=$(ot_val $db "SELECT order_id FROM ordertrack.orders WHERE shop = '$s1' AND external_ref = 'K-1'")
id2=$(ot_val $db "SELECT order_id FROM ordertrack.orders WHERE shop = '$s2' AND external_ref = 'K-1'")
out=$(for id in $id1 $id2; do ot_psql -d $db -c "\\set VERBOSITY sqlstate" -c "SELECT ordertrack.advance($id, 'picking')" 2>&1; done | tr '\n' ' ')
ot_is "$out" "ERROR:  55000 ERROR:  55000 " "received -> picking is not an edge of the shipped graph"
out=$(ot_psql -d $db -At -c "SELECT ordertrack.advance($id1, 'review')" -c "SELECT ordertrack.advance($id2, 'review')" \
	-c "INSERT INTO ordertrack.stage_transitions (from_stage, to_stage) VALUES ('review', 'picking')" \
	-c "SELECT ordertrack.advance($id1, 'picking')" -c "SELECT ordertrack.advance($id2, 'picking')" 2>&1 | tr '\n' ' ')
ot_is "$out" "review review picking picking " \
	"an edge added on the coordinator: both workers allow the move at once, in the same session"

# a flag code: a row inserted over a shipped code replaces it on every node,
# and the code is still not deleted
ot_psql -d $db -c "INSERT INTO ordertrack.flag_codes (code, severity, description)
	VALUES ('customer_history', 'info', 'What the customer told us before: read it before packing')" >/dev/null
ot_is "$(ot_val $db "SELECT string_agg(result, ' ' ORDER BY nodeport) FROM run_command_on_workers(
	\$\$SELECT count(*) || ':' || string_agg(description || '/' || origin, ',') FROM ordertrack.flag_codes WHERE code = 'customer_history'\$\$)")" \
	"1:What the customer told us before: read it before packing/custom 1:What the customer told us before: read it before packing/custom" \
	"a flag code inserted over a shipped one replaces it on every worker, as a custom row"
ot_is "$(ot_psql -d $db -c "\\set VERBOSITY sqlstate" -c "DELETE FROM ordertrack.flag_codes WHERE code = 'customer_history'" 2>&1)" \
	"ERROR:  55006" "and it is not deleted"
ot_done
