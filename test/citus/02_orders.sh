#!/usr/bin/env bash
# Orders of several shops through the coordinator, after distribute(): plain
# INSERTs and submit_order, intake on the worker that holds the shop, and
# an order's whole life by the order functions; a forbidden move; event ids
# numbered by the node that wrote them.  Needs the cluster of test/citus.sh
# with ordertrack distributed (01_distribute.sh).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

db=postgres
ot_psql -d $db -c "INSERT INTO ordertrack.products (sku, title) VALUES ('HD-1', 'hoodie'), ('MUG-1', 'mug')" || exit 1

# shops on both workers: eight shops, one order each by submit_order
for i in 1 2 3 4 5 6 7 8; do
	ot_val $db "SELECT ordertrack.submit_order('{\"shop\": \"c$i\", \"external_ref\": \"E-$i\", \"account\": \"acc-$i\",
		\"recipient\": \"张三\", \"phone\": \"138 1234 567$i\", \"address\": \"北京市朝阳区建国路88号3号楼2单元50${i}室\",
		\"lines\": [{\"sku\": \"HD-1\", \"quantity\": 1}]}')" >/dev/null
done
ot_is "$(ot_val $db "SELECT count(*) FILTER (WHERE intake_checked_at IS NOT NULL) || '/' || count(*) FROM ordertrack.orders")" \
	"8/8" "submit_order: eight shops' orders taken and checked by intake"
ot_is "$(ot_val $db "SELECT count(DISTINCT n.nodeport) FROM ordertrack.orders o
	JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('ordertrack.orders', o.shop)
	JOIN pg_dist_node n ON n.groupid = p.groupid")" \
	2 "the shops are spread over both workers"
ot_is "$(ot_val $db "SELECT string_agg(DISTINCT (event_id >> 48)::text, ',') FROM ordertrack.events WHERE kind = 'order_received'")" \
	"1,2" "each worker numbers the events it writes with its group id"
ot_is "$(ot_val $db "SELECT count(DISTINCT event_id) = count(*) FROM ordertrack.events")" t "event ids are unique across the nodes"

# a plain INSERT of an order and its lines, with a doubtful phone
ot_psql -d $db -c "BEGIN" \
	-c "INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address)
		VALUES ('c1', 'E-9', 'acc-9', '李四', '1391234567', '上海市浦东新区世纪大道100号5楼')" \
	-c "INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity)
		SELECT 'c1', order_id, 'NOPE-1', 1 FROM ordertrack.orders WHERE shop = 'c1' AND external_ref = 'E-9'" \
	-c "COMMIT" >/dev/null
ot_is "$(ot_val $db "SELECT o.stage || ' ' || string_agg(f.code, ',' ORDER BY f.code) FROM ordertrack.orders o
	JOIN ordertrack.flags f ON f.shop = o.shop AND f.order_id = o.order_id WHERE o.shop = 'c1' AND o.external_ref = 'E-9' GROUP BY o.stage")" \
	"review phone_invalid,sku_unknown" "a plain INSERT: intake flags the phone and the SKU and holds the order in review"

ot_is "$(ot_val $db "SELECT count(DISTINCT flag_id) = count(*) AND count(*) > 0 FROM ordertrack.flags")" t \
	"flag ids are unique across the nodes (each worker draws from its own range)"

# one order's life, by the functions, through the coordinator
id=$(ot_val $db "SELECT order_id FROM ordertrack.orders WHERE shop = 'c2'")
ot_is "$(ot_val $db "SELECT ordertrack.mark_paid($id) IS NOT NULL")" t "mark_paid"
tn=$(ot_val $db "SELECT ordertrack.confirm($id)")
ot_is "$(ot_val $db "SELECT ordertrack.tracking_no_valid('$tn')")" t "confirm: a valid tracking number"
events=$(ot_val $db "SELECT count(*) FROM ordertrack.events WHERE shop = 'c2'")
ot_is "$(ot_val $db "SELECT ordertrack.confirm($id)")" "$tn" "confirm again: the same number"
ot_is "$(ot_val $db "SELECT count(*) FROM ordertrack.events WHERE shop = 'c2'")" "$events" "and no event"
ot_is "$(ot_val $db "SELECT ordertrack.record_pick($id, 'HD-1', 1) = 1")" t "record_pick: all picked"
ot_is "$(ot_val $db "SELECT ordertrack.advance($id, 'packed')")" packed "advance to packed"
ot_is "$(ot_val $db "SELECT ordertrack.record_scan('$tn', 'collected', now())")" shipped "record_scan: collected"
ot_is "$(ot_val $db "SELECT ordertrack.record_scan('$tn', 'delivered', now())")" delivered "record_scan: delivered"
ot_is "$(ot_val $db "SELECT ordertrack.add_feedback($id, 2, '杯子破损')")" after_sales "add_feedback: a complaint opens after-sales"
ot_is "$(ot_val $db "SELECT string_agg(what, ',' ORDER BY at) FILTER (WHERE what = 'stage') FROM ordertrack.timeline($id)")" \
	"stage,stage,stage,stage,stage,stage" "timeline: the six moves"

# a shortage, a cancellation, a resolved flag
id3=$(ot_val $db "SELECT order_id FROM ordertrack.orders WHERE shop = 'c3'")
ot_val $db "SELECT ordertrack.mark_paid($id3)" >/dev/null
ot_val $db "SELECT ordertrack.confirm($id3)" >/dev/null
flag=$(ot_val $db "SELECT ordertrack.report_shortage($id3, 'HD-1', 0)")
ot_is "$(ot_val $db "SELECT stage FROM ordertrack.orders WHERE shop = 'c3'")" review "report_shortage: the order waits in review"
ot_is "$(ot_val $db "SELECT ordertrack.resolve_flag($flag, 'restocked')")" confirmed "resolve_flag: the confirmed order goes back to confirmed"
id4=$(ot_val $db "SELECT order_id FROM ordertrack.orders WHERE shop = 'c4'")
ot_is "$(ot_val $db "SELECT ordertrack.cancel($id4, 'customer asked')")" cancelled "cancel"

# who and why travel with the move to the worker that records it
id6=$(ot_val $db "SELECT order_id FROM ordertrack.orders WHERE shop = 'c6'")
ot_val $db "SELECT ordertrack.advance($id6, 'review', 'call the customer', 'alice')" >/dev/null
ot_is "$(ot_val $db "SELECT actor || ' / ' || reason || ' / ' || role FROM ordertrack.stage_history WHERE shop = 'c6' AND to_stage = 'review'")" \
	"alice / call the customer / $(ot_val $db "SELECT session_user")" "advance(): the worker's history records the actor, the reason and the caller's role"
ot_is "$(ot_val $db "SELECT payload->>'actor' || ' / ' || (payload->>'reason') FROM ordertrack.events WHERE shop = 'c6' AND kind = 'stage_changed'")" \
	"alice / call the customer" "and so does the stage_changed event"
ot_psql -d $db -c "BEGIN" -c "SET LOCAL ordertrack.actor = 'bob'" -c "SET LOCAL ordertrack.reason = 'by hand'" \
	-c "UPDATE ordertrack.orders SET stage = 'received' WHERE shop = 'c6'" -c "COMMIT" >/dev/null 2>&1
ot_is "$(ot_val $db "SELECT coalesce(actor || ' / ' || reason, 'none') FROM ordertrack.stage_history WHERE shop = 'c6' AND to_stage = 'received'")" \
	"bob / by hand" "a plain UPDATE: the settings ordertrack.actor and ordertrack.reason (SET LOCAL, propagated)"

# a forbidden move, by advance() and by UPDATE
id5=$(ot_val $db "SELECT order_id FROM ordertrack.orders WHERE shop = 'c5'")
ot_is "$(ot_psql -d $db -c "\\set VERBOSITY sqlstate" -c "SELECT ordertrack.advance($id5, 'delivered')" 2>&1)" \
	"ERROR:  55000" "advance(received -> delivered) is refused with 55000"
ot_is "$(ot_psql -d $db -c "\\set VERBOSITY sqlstate" -c "UPDATE ordertrack.orders SET stage = 'delivered' WHERE shop = 'c5'" 2>&1)" \
	"ERROR:  55000" "and so is the UPDATE, by the trigger on the worker's shard"
ot_done
