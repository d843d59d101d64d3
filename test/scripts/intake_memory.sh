#!/usr/bin/env bash
# One session takes many orders (each in its own transaction, checked at its
# commit): the backend's memory must not grow with the count.  After every
# tenth of the orders the session reports its memory contexts' total
# (pg_backend_memory_contexts) and its private anonymous memory (from
# /proc/self/smaps_rollup, which also counts what C code malloc'd).  The
# growth from the second report to the last must stay under 1 MB in
# contexts and 4 MB anonymous.  Then amcheck checks the indexes of orders.
#
# OT_MEMORY_ORDERS sets the count: 30,000 in the test suite; a million with
# OT_SUITES=scripts OT_MEMORY_ORDERS=1000000 bash test/run.sh (about three
# minutes of it).
# Needs the cluster from test/run.sh (PG* set).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

orders=${OT_MEMORY_ORDERS:-30000}
step=$((orders / 10))
db=ot_memory
ot_fresh_db $db
ot_psql -d $db -c "INSERT INTO ordertrack.products (sku, title, fragile) SELECT 'SKU-' || g, 'product ' || g, g % 7 = 0
	FROM generate_series(1, 1000) g" \
	-c "INSERT INTO ordertrack.customer_notes (shop, account, note) SELECT 's1', 'acc' || g, 'too thin' FROM generate_series(1, 100) g" \
	-c "SET ordertrack.restoring = on" \
	-c "INSERT INTO ordertrack.orders (shop, external_ref, account, created_at, intake_checked_at)
		SELECT 's' || g % 2, 'h' || g, 'acc' || g % 100000, now() - g * interval '10 seconds', now() FROM generate_series(1, 50000) g" \
	-c "INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity) SELECT shop, order_id, 'SKU-1', 1 FROM ordertrack.orders" \
	-c "ANALYZE"

# One psql session: ten chunks of orders, a memory report after each.  The
# orders come from 100,000 accounts over 30 days, so that duplicate look-ups
# meet a realistic number of earlier orders; 50,000 orders of history are
# there (and analysed) before the session starts.
report="SELECT (SELECT sum(total_bytes) FROM pg_backend_memory_contexts)
	|| ' ' || (SELECT (regexp_match(pg_read_file('/proc/self/smaps_rollup'), 'Anonymous:\s+(\d+) kB'))[1]::bigint * 1024);"
{
	for chunk in $(seq 1 10); do
		cat <<SQL
DO \$\$
BEGIN
	FOR i IN $(((chunk - 1) * step + 1))..$((chunk * step)) LOOP
		INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, remarks, created_at)
		VALUES ('s1', 'm' || i, 'acc' || i % 100000, '张三' || i, '138 1234 ' || lpad((i % 10000)::text, 4, '0'),
				'北京市朝阳区建国路' || i || '号3号楼2单元501室', CASE WHEN i % 3 = 0 THEN '周末配送，加冰袋' END,
				now() - (i::bigint * 7919 % 2592000) * interval '1 second');
		INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity)
		VALUES ('s1', currval('ordertrack.orders_order_id_seq'), 'SKU-' || (i % 1000 + 1), 1),
			   ('s1', currval('ordertrack.orders_order_id_seq'), 'SKU-' || ((i * 7) % 1000 + 1), 2);
		COMMIT;
	END LOOP;
END
\$\$;
$report
SQL
	done
} | "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d $db >"$OT_CLUSTER_DIR/memory.out" 2>&1
ot_is "$?" 0 "one session took $orders orders"
n=0
while read -r ctx anon; do
	n=$((n + 1))
	echo "# after $((n * step)) orders: contexts $ctx bytes, anonymous $anon bytes"
	[ $n = 2 ] && { ctx2=$ctx; anon2=$anon; }
	ctxN=$ctx; anonN=$anon
done <"$OT_CLUSTER_DIR/memory.out"
ot_is "$n" 10 "ten memory reports"
ot_is "$(( ctxN - ctx2 < 1048576 ))" 1 "memory contexts grew by $((ctxN - ctx2)) bytes from $((2 * step)) to $orders orders (under 1 MB)"
ot_is "$(( anonN - anon2 < 4194304 ))" 1 "anonymous memory grew by $((anonN - anon2)) bytes from $((2 * step)) to $orders orders (under 4 MB)"
ot_is "$(ot_val $db "SELECT count(*) FROM ordertrack.events WHERE kind = 'order_received'")" "$orders" \
	"every order was checked"
# Intake writes the orders' verdicts as updates: amcheck finds every row
# version of orders in every btree index.
ot_psql -d $db -c "CREATE EXTENSION amcheck" >/dev/null
btrees="FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
	WHERE i.indrelid = 'ordertrack.orders'::regclass AND a.amname = 'btree'"
n=$(ot_val $db "SELECT count(*) $btrees")
ot_is "$(ot_val $db "SELECT count(bt_index_check(i.indexrelid, true)) || ' of ' || count(*) $btrees" 2>&1)" "$n of $n" \
	"every row version of orders is in each of its $n btree indexes (amcheck)"
"$PGBIN/dropdb" $db
ot_done
