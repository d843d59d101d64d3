#!/usr/bin/env bash
# Per-shop access on Citus: a role bound to one shop (ordertrack.shop_roles,
# a reference table) sees and moves only that shop's orders through the
# coordinator, whichever worker holds the others; the row-level policies
# and shop_visible() act on the workers' shards.  Needs the cluster of
# test/citus.sh with ordertrack distributed.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/citus_lib.sh

db=postgres
# two shops on different workers, an order each
read -r a b <<<"$(ot_citus_two_shops $db r)"
for s in "$a" "$b"; do
	ot_val $db "SELECT ordertrack.submit_order('{\"shop\": \"$s\", \"external_ref\": \"R-1\", \"account\": \"acc-r\",
		\"recipient\": \"孙七\", \"phone\": \"13812345678\", \"address\": \"杭州市西湖区文三路90号1幢502室\",
		\"lines\": [{\"sku\": \"HD-1\", \"quantity\": 1}]}')" >/dev/null
done
other=$(ot_val $db "SELECT order_id FROM ordertrack.orders WHERE shop = '$b'")
# login roles: Citus connects to the workers as the role that queries
ot_psql -d $db -c "DROP ROLE IF EXISTS ot_citus_wh" -c "CREATE ROLE ot_citus_wh LOGIN IN ROLE ordertrack_warehouse" \
	-c "DROP ROLE IF EXISTS ot_citus_admin" -c "CREATE ROLE ot_citus_admin LOGIN IN ROLE ordertrack_admin" \
	-c "INSERT INTO ordertrack.shop_roles (role, shop) VALUES ('ot_citus_wh', '$a')" >/dev/null 2>&1

ot_is "$(ot_val $db "SET ROLE ot_citus_wh; SELECT string_agg(DISTINCT shop, ',') FROM ordertrack.orders")" "$a" \
	"a role bound to $a sees only its orders, though $b's are on the other worker"
ot_is "$(ot_psql -d $db -c "\\set VERBOSITY sqlstate" -c "SET ROLE ot_citus_wh" -c "SELECT ordertrack.advance($other, 'review')" 2>&1)" \
	"ERROR:  42501" "and may not move an order of $b (42501)"
ot_is "$(ot_val $db "SET ROLE ot_citus_admin; SELECT string_agg(DISTINCT shop, ',' ORDER BY shop) FROM ordertrack.orders")" \
	"$(printf '%s\n' "$a" "$b" | sort | paste -sd,)" "the admin duty sees every shop"
ot_psql -d $db -c "DELETE FROM ordertrack.shop_roles" -c "DROP ROLE ot_citus_wh" -c "DROP ROLE ot_citus_admin" >/dev/null 2>&1
ot_done
