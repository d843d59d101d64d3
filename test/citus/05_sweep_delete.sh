#!/usr/bin/env bash
# The sweep through the coordinator over orders on both workers (each order
# locked by its shop), and deleting and truncating orders: their flags,
# stage history and scans go with them on the worker that holds them.  Needs the cluster of
# test/citus.sh with ordertrack distributed and the orders of the earlier
# scripts.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

db=postgres
unpaid=$(ot_val $db "SELECT count(*) FROM ordertrack.orders WHERE paid_at IS NULL AND NOT cash_on_delivery
	AND stage IN ('received', 'review', 'confirmed') AND payment_reminded_at IS NULL")
workers=$(ot_val $db "SELECT count(DISTINCT p.groupid) FROM ordertrack.orders o
	JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('ordertrack.orders', o.shop)
	WHERE o.paid_at IS NULL AND o.stage IN ('received', 'review', 'confirmed')")
ot_is "$workers" 2 "unpaid orders on both workers"
ot_is "$(ot_val $db "SELECT raised FROM ordertrack.sweep(now() + interval '2 days') WHERE code = 'payment_overdue'")" "$unpaid" \
	"sweep(): every unpaid order is reminded once ($unpaid)"
ot_is "$(ot_val $db "SELECT count(*) FROM ordertrack.events WHERE kind = 'payment_reminder'")" "$unpaid" \
	"with a payment_reminder event each"
ot_is "$(ot_val $db "SELECT raised FROM ordertrack.sweep(now() + interval '2 days') WHERE code = 'payment_overdue'")" 0 \
	"a second sweep reminds nobody again"

# deleting an order that has flags and history
read -r shop id <<<"$(ot_val $db "SELECT o.shop, o.order_id FROM ordertrack.orders o
	WHERE EXISTS (SELECT FROM ordertrack.flags f WHERE f.shop = o.shop AND f.order_id = o.order_id)
	  AND EXISTS (SELECT FROM ordertrack.stage_history h WHERE h.shop = o.shop AND h.order_id = o.order_id)
	ORDER BY o.order_id LIMIT 1" | tr '|' ' ')"
ot_is "$(ot_psql -d $db -c "DELETE FROM ordertrack.orders WHERE shop = '$shop' AND order_id = $id" 2>&1)" "" \
	"DELETE of an order with flags and history through the coordinator"
ot_is "$(ot_val $db "SELECT (SELECT count(*) FROM ordertrack.flags WHERE shop = '$shop' AND order_id = $id)
	+ (SELECT count(*) FROM ordertrack.stage_history WHERE shop = '$shop' AND order_id = $id)
	+ (SELECT count(*) FROM ordertrack.order_lines WHERE shop = '$shop' AND order_id = $id)")" 0 \
	"its flags, history and lines went with it"

ot_is "$(ot_psql -d $db -c "TRUNCATE ordertrack.orders CASCADE" 2>&1 | grep -v NOTICE)" "" "TRUNCATE orders CASCADE through the coordinator"
ot_is "$(ot_val $db "SELECT (SELECT count(*) FROM ordertrack.orders) + (SELECT count(*) FROM ordertrack.flags)
	+ (SELECT count(*) FROM ordertrack.stage_history) + (SELECT count(*) FROM ordertrack.scans)")" 0 \
	"empties the orders and what belongs to them on both workers"
ot_done
