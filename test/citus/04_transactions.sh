#!/usr/bin/env bash
# Transactions through the coordinator: one that takes orders of shops on
# both workers (committed in two phases), with intake checking each on its
# worker; and concurrent duplicates, two sessions taking the same account's
# order for the same SKU at the same moment, exactly one of them flagged.
# Needs the cluster of test/citus.sh with ordertrack distributed.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/citus_lib.sh

db=postgres
order() {	# shop, external_ref, account, phone
	echo "SELECT ordertrack.submit_order('{\"shop\": \"$1\", \"external_ref\": \"$2\", \"account\": \"$3\",
		\"recipient\": \"赵六\", \"phone\": \"$4\", \"address\": \"广州市天河区体育西路1号2栋301\",
		\"lines\": [{\"sku\": \"HD-1\", \"quantity\": 1}]}')"
}
# shops on each worker
read -r a b <<<"$(ot_citus_two_shops $db t)"

ot_psql -d $db -c "BEGIN" -c "$(order "$a" T-1 acc-t1 13812345678)" -c "$(order "$b" T-1 acc-t2 13812345678)" \
	-c "$(order "$b" T-2 acc-t3 1381234567)" -c "COMMIT" >/dev/null 2>/tmp/ordertrack-citus-tx.$$
ot_is "$(cat /tmp/ordertrack-citus-tx.$$)" "" "one transaction takes orders of shops on both workers"
rm -f /tmp/ordertrack-citus-tx.$$
ot_is "$(ot_val $db "SELECT string_agg(shop || '/' || external_ref || ':' || stage || ':' || (intake_checked_at IS NOT NULL), ' ' ORDER BY shop, external_ref)
	FROM ordertrack.orders WHERE external_ref LIKE 'T-%'")" "$a/T-1:received:true $b/T-1:received:true $b/T-2:review:true" \
	"intake checked each on its worker: the one with a short phone is held"
ot_is "$(ot_val $db "SELECT count(*) FROM ordertrack.events WHERE kind = 'order_received' AND payload->>'external_ref' LIKE 'T-%'")" 3 \
	"and each order's order_received event is in the outbox"

# duplicates: two sessions commit the same account's order for one SKU at once
flagged=""
for round in 1 2 3; do
	for ref in A B; do
		ot_psql -d $db -c "BEGIN" -c "$(order "$a" "D$round-$ref" "twin-$round" 13812345678)" \
			-c "SELECT pg_sleep(0.5)" -c "COMMIT" >/dev/null 2>&1 &
	done
	wait
	flagged="$flagged $(ot_val $db "SELECT count(*) FILTER (WHERE f.code = 'duplicate_suspect') || '/' || count(DISTINCT o.order_id)
		FROM ordertrack.orders o LEFT JOIN ordertrack.flags f ON f.shop = o.shop AND f.order_id = o.order_id
		WHERE o.shop = '$a' AND o.account = 'twin-$round'")"
done
ot_is "$flagged" " 1/2 1/2 1/2" "concurrent duplicates: in each of three rounds exactly one of the two orders is flagged"
ot_done
