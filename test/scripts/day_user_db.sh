#!/usr/bin/env bash
# The trading day in a user's database (tools/run.sh CONNSTR runs it there):
# refused while the database has consumers of its own (the day's events
# would reach them); otherwise a day on the real clock in a shop of its own,
# every consumer receiving its topics exactly once, the day's consumers
# removed at the end, and tools/day.sh --remove taking the shop away and
# nothing else.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

db=dayuser
"$PGBIN/dropdb" --if-exists "$db" && "$PGBIN/createdb" "$db" || exit 1
ot_psql -d "$db" -c "CREATE EXTENSION ordertrack" || exit 1
# the database's own data: a product, an order of another shop, a consumer
ot_psql -d "$db" -c "INSERT INTO ordertrack.products (sku, title) VALUES ('REAL-1', 'hoodie')" -c "
	SELECT ordertrack.submit_order('{\"shop\": \"real\", \"external_ref\": \"R-1\", \"account\": \"acc-1\", \"recipient\": \"张三\",
		\"phone\": \"13812345678\", \"address\": \"北京市朝阳区建国路88号3号楼2单元501室\",
		\"lines\": [{\"sku\": \"REAL-1\", \"quantity\": 1}]}')" \
	-c "SELECT ordertrack.subscribe('wms', '{warehouse}')" >/dev/null || exit 1
events_before=$(ot_val "$db" "SELECT count(*) FROM ordertrack.events")

out=$(bash tools/day.sh "dbname=$db" 200 5 2>&1); rc=$?
ot_is "$rc" 1 "with a consumer of the database's own, the day is refused"
ot_is "$(echo "$out" | grep -c 'consumers of the outbox (wms): the day.s events would reach them')" 1 "and says which consumer and why"
ot_is "$(ot_val "$db" "SELECT count(*) FROM ordertrack.orders WHERE shop <> 'real'")" 0 "and takes no order"

ot_psql -d "$db" -c "DELETE FROM ordertrack.consumers WHERE consumer = 'wms'" >/dev/null
out=$(bash tools/day.sh "dbname=$db" 300 5 2>&1); rc=$?
ot_is "$rc" 0 "a day of 300 orders runs on the real clock"
[ "$rc" = 0 ] || echo "$out" | tail -30 | sed 's/^/#   /'
ot_is "$(echo "$out" | grep -cE '^(warehouse|production|logistics|customer) .* exactly once$')" 4 \
	"each of its four consumers received every event of its topic exactly once"
ot_is "$(ot_val "$db" "SELECT count(*) BETWEEN 340 AND 345 FROM ordertrack.orders WHERE shop = 'demo-5'")" t \
	"its orders are in its own shop demo-5 (300, 45 on the road, less the duplicates taken after midnight)"
ot_is "$(ot_val "$db" "SELECT count(*) FROM ordertrack.orders WHERE shop NOT IN ('demo-5', 'real')")" 0 "and in no other shop"
ot_is "$(ot_val "$db" "SELECT count(*) FROM ordertrack.orders WHERE shop = 'real'")" 1 "the other shop's order is as it was"
ot_is "$(ot_val "$db" "SELECT count(*) FROM ordertrack.consumers")" 0 "the day's consumers are gone"
ot_is "$(echo "$out" | grep -c "tools/day.sh --remove 'dbname=$db' demo-5 removes it")" 1 "it says how to remove its shop"

out=$(bash tools/day.sh --remove "dbname=$db" real 2>&1); rc=$?
ot_is "$rc" 2 "--remove refuses a shop that is not a day's"
ot_is "$(ot_val "$db" "SELECT count(*) FROM ordertrack.orders WHERE shop = 'real'")" 1 "and leaves it"

bash tools/day.sh --remove "dbname=$db" demo-5 >/dev/null 2>&1; rc=$?
ot_is "$rc" 0 "--remove removes the day's shop"
ot_is "$(ot_val "$db" "SELECT (SELECT count(*) FROM ordertrack.orders WHERE shop = 'demo-5')
	+ (SELECT count(*) FROM ordertrack.events WHERE shop = 'demo-5')
	+ (SELECT count(*) FROM ordertrack.flags WHERE shop = 'demo-5')
	+ (SELECT count(*) FROM ordertrack.stage_history WHERE shop = 'demo-5')
	+ (SELECT count(*) FROM ordertrack.scans WHERE shop = 'demo-5')
	+ (SELECT count(*) FROM ordertrack.carrier_scores WHERE shop = 'demo-5')
	+ (SELECT count(*) FROM ordertrack.carrier_shipments WHERE shop = 'demo-5')
	+ (SELECT count(*) FROM ordertrack.products WHERE sku LIKE 'DEMO-%')")" 0 \
	"its orders, events, flags, history, scans, carrier records and DEMO- products are gone"
ot_is "$(ot_val "$db" "SELECT count(*) FROM ordertrack.orders WHERE shop = 'real'")|$(ot_val "$db" "SELECT count(*) FROM ordertrack.events")|$(ot_val "$db" "SELECT count(*) FROM ordertrack.products")" \
	"1|$events_before|1" "the database's own order, events and product remain"

out=$(bash tools/day.sh "dbname=$db" 10 1234567 2>&1); rc=$?
ot_is "$rc" 2 "a seed out of range (0 to 999999) is refused"
out=$(bash tools/day.sh "dbname=$db" 12x 2>&1); rc=$?
ot_is "$rc|$out" "2|the day's orders are a number from 1 up, not 12x" "so is an order count that is not a number"
"$PGBIN/dropdb" "$db"
ot_done
