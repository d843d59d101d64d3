#!/usr/bin/env bash
# The packaging is consistent and every release upgrades to the current one:
# - ordertrack.control's default_version equals the Makefile's EXTVERSION and
#   CREATE EXTENSION installs it (a base script plus upgrade scripts);
# - from every version that has an install script (0.1, in updates/), CREATE
#   EXTENSION at that version then ALTER EXTENSION UPDATE reaches
#   default_version through the ordertrack--A--B.sql chain, with the same
#   schema as a fresh install of default_version (whose script the Makefile
#   builds from src/sql/): the same objects, columns and comments, the same
#   pg_dump of every member object, the same list of tables pg_dump keeps,
#   and the same shipped rows.
# Needs the cluster from test/run.sh (PG* set).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" ordertrack.control)
makever=$(sed -n 's/^EXTVERSION *= *//p' Makefile)
ot_is "$default" "$makever" "default_version in ordertrack.control matches EXTVERSION in the Makefile"

# What a database holds of the extension, as text to compare.
describe() {
	ot_val "$1" "
	SELECT string_agg(x, E'\n' ORDER BY x) FROM (
		SELECT pg_describe_object(classid, objid, 0) || ' / ' ||
			   coalesce(obj_description(objid, (SELECT relname FROM pg_class WHERE oid = classid)), '-') AS x
		  FROM pg_depend WHERE deptype = 'e'
		   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ordertrack')
		UNION ALL
		SELECT a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
			   ' / ' || coalesce(col_description(a.attrelid, a.attnum), '-')
		  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		 WHERE c.relnamespace = 'ordertrack'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped) s"
}

# The schema as pg_dump prints it in binary-upgrade mode, the one mode that
# prints every member object of an extension (a plain dump says only CREATE
# EXTENSION).  Left out: object ids, the tables' frozen transaction ids, and
# the extension's dump list (its order is the order the scripts added
# tables; dump_list compares it as a set).  Also left out: the value that
# rows written before an ADD COLUMN read for the added column
# (binary_upgrade_set_missing_value), which exists only where the column
# was added to a table that existed: it is data, not schema.
schema_dump() {
	"$PGBIN/pg_dump" --schema-only --binary-upgrade -d "$1" |
		grep -vE '^\\(un)?restrict |binary_upgrade_set_next_|binary_upgrade_create_empty_extension|binary_upgrade_set_missing_value|^-- set missing value\.$|^SET relfrozenxid = |^WHERE oid = '"'"'[0-9]+'"'"';$' |
		cat -s
}

# The tables and sequences pg_dump keeps the rows of, with their conditions.
dump_list() {
	ot_val "$1" "SELECT string_agg(t::regclass || ' ' || quote_literal(c), E'\n' ORDER BY t::regclass::text)
		FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(t, c) WHERE e.extname = 'ordertrack'"
}

# Every table's rows (the shipped settings, flag codes, the outbox's origin),
# but the tracking-number secret, which is random.
shipped_rows() {
	local t out=""
	for t in $(ot_val "$1" "SELECT c.oid::regclass FROM pg_class c
			WHERE c.relnamespace = 'ordertrack'::regnamespace AND c.relkind = 'r'
			  AND c.relname <> 'tracking_secret' ORDER BY c.relname"); do
		out="$out$t $(ot_val "$1" "SELECT count(*) || ' ' || md5(coalesce(string_agg(r::text, E'\n' ORDER BY r::text), '')) FROM $t r")
"
	done
	printf '%s' "$out"
}

# ot_same GOT WANT DESCRIPTION: ot_is, with the differences as a diff.
ot_same() {
	OT_TAP_N=$((OT_TAP_N + 1))
	if [ "$1" = "$2" ]; then echo "ok $OT_TAP_N - $3"; return; fi
	echo "not ok $OT_TAP_N - $3 (< fresh install, > upgraded)"
	diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed 's/^/#   /' | head -60
}

"$PGBIN/dropdb" --if-exists ot_fresh
"$PGBIN/createdb" ot_fresh && ot_psql -d ot_fresh -c "CREATE EXTENSION ordertrack"
fresh=$(describe ot_fresh)
ot_is "$(ot_val ot_fresh "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'")" "$default" \
	"CREATE EXTENSION installs version $default"
# every upgrade script in the package is on a path that ends at default_version
ot_is "$(ot_val ot_fresh "SELECT count(*) FROM pg_extension_update_paths('ordertrack')
	WHERE target = '$default' AND path IS NULL AND source <> '$default'")" 0 \
	"every released version upgrades to $default"

fresh_dump=$(schema_dump ot_fresh)
fresh_list=$(dump_list ot_fresh)
fresh_rows=$(shipped_rows ot_fresh)
ot_is "$(grep -c 'ALTER EXTENSION ordertrack ADD' <<<"$fresh_dump")" \
	"$(ot_val ot_fresh "SELECT count(*) FROM pg_depend WHERE deptype = 'e' AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ordertrack')")" \
	"the binary-upgrade dump lists every member object of a fresh install"
ot_is "$(grep -c '^INSERT\|^COPY' <<<"$fresh_dump")" 0 "the schema dump holds no rows"

for script in updates/ordertrack--*.sql ordertrack--*.sql; do
	v=${script##*/ordertrack--}; v=${v#ordertrack--}; v=${v%.sql}
	case $v in *--*) continue ;; esac		# an upgrade script, not an install script
	[ "$v" = "$default" ] && continue
	# this install script and the chain after it must equal a fresh install
	"$PGBIN/dropdb" --if-exists ot_upgrade
	"$PGBIN/createdb" ot_upgrade
	ot_psql -d ot_upgrade -c "CREATE EXTENSION ordertrack VERSION '$v'" -c "ALTER EXTENSION ordertrack UPDATE"
	ot_is "$(ot_val ot_upgrade "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'")" "$default" \
		"$v upgrades to $default"
	ot_same "$(describe ot_upgrade)" "$fresh" "$v upgraded to $default has the objects, columns and comments of a fresh install"
	ot_same "$(schema_dump ot_upgrade)" "$fresh_dump" "$v upgraded to $default dumps (pg_dump --schema-only --binary-upgrade) as a fresh install does"
	ot_same "$(dump_list ot_upgrade)" "$fresh_list" "$v upgraded to $default has the fresh install's list of tables that pg_dump keeps"
	ot_same "$(shipped_rows ot_upgrade)" "$fresh_rows" "$v upgraded to $default has the fresh install's shipped rows"
	"$PGBIN/dropdb" ot_upgrade
done
# The new library serves a database still at 0.3 (between installing the
# package and ALTER EXTENSION UPDATE), and data written by 0.3 (orders
# through intake, their flags and events) goes on working after the update
# to 0.4: its events reach a consumer, its orders move through the stage
# graph.
"$PGBIN/dropdb" --if-exists ot_data
"$PGBIN/createdb" ot_data
ot_psql -d ot_data -c "CREATE EXTENSION ordertrack VERSION '0.3'" \
	-c "INSERT INTO ordertrack.products (sku, title) VALUES ('HD-1', 'hoodie')" \
	-c "SELECT ordertrack.submit_order(jsonb_build_object('shop', 's1', 'external_ref', 'old' || g, 'account', 'a' || g,
		'recipient', CASE WHEN g = 3 THEN '' ELSE '张三' END, 'phone', '13812345678',
		'address', '北京市朝阳区建国路88号3号楼2单元501室', 'cash_on_delivery', true,
		'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'quantity', 1)))) FROM generate_series(1, 3) g" >/dev/null
ot_is "$(ot_val ot_data "SELECT count(*) || ' ' || count(*) FILTER (WHERE stage = 'review') FROM ordertrack.orders")" "3 1" \
	"a database still at 0.3 takes and checks orders with the new library, before ALTER EXTENSION UPDATE"
old_events=$(ot_val ot_data "SELECT count(*) FROM ordertrack.events")
ot_psql -d ot_data -c "ALTER EXTENSION ordertrack UPDATE" >/dev/null
ot_is "$(ot_val ot_data "SELECT count(*) FROM pg_extension e, unnest(e.extconfig) t
	WHERE e.extname = 'ordertrack' AND NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = t)")" 0 \
	"every table and sequence the extension dumps exists (none left behind by the update)"
ot_is "$(ot_val ot_data "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s1', 'intake', 'new') RETURNING event_id > (SELECT max(event_id) FROM ordertrack.events WHERE kind <> 'new')")" t \
	"event ids go on after 0.3's"
ot_is "$(ot_val ot_data "SELECT count(*) - 1 FROM ordertrack.poll('after-update', 1000)")" "$old_events" \
	"0.3's events reach a consumer after the update to $default"
ot_is "$(ot_val ot_data "SELECT ordertrack.confirm(order_id) IS NOT NULL FROM ordertrack.orders WHERE external_ref = 'old1'")" t \
	"an order taken by 0.3 is confirmed by $default"
ot_is "$(ot_val ot_data "SELECT string_agg(from_stage || '>' || to_stage, ' ') FROM ordertrack.stage_history h
	JOIN ordertrack.orders o USING (shop, order_id) WHERE o.external_ref = 'old1'")" "received>confirmed" \
	"and its move is recorded"
ot_is "$(ot_val ot_data "SELECT ordertrack.resolve_flag(flag_id, 'ok') FROM ordertrack.flags f
	JOIN ordertrack.orders o USING (shop, order_id) WHERE o.external_ref = 'old3' AND f.severity = 'block'")" received \
	"an order held by 0.3 is released by resolve_flag"
"$PGBIN/dropdb" ot_data

# Orders of two shops that an ERP gave one order_id before 0.7: the update
# to 0.7 warns, and the functions that take an order_id alone refuse it.
"$PGBIN/dropdb" --if-exists ot_dup
"$PGBIN/createdb" ot_dup
ot_psql -d ot_dup -c "CREATE EXTENSION ordertrack VERSION '0.6'" -c "SET ordertrack.restoring = on" \
	-c "INSERT INTO ordertrack.orders (shop, order_id, external_ref, account, intake_checked_at)
		VALUES ('s1', 5, 'e1', 'a1', now()), ('s2', 5, 'e2', 'a2', now()), ('s2', 6, 'e3', 'a3', now())" >/dev/null
warned=$(ot_psql -d ot_dup -c "ALTER EXTENSION ordertrack UPDATE" 2>&1)
ot_is "$(grep -c 'WARNING:  1 order_id values are shared by orders of several shops' <<<"$warned")" 1 \
	"the update to 0.7 warns of order_ids that orders of several shops share"
ot_is "$(ot_val ot_dup "SELECT (SELECT count(*) FROM ordertrack.orders WHERE order_id = 5) || ' ' || ordertrack.advance(6, 'cancelled')")" "2 cancelled" \
	"the update keeps both orders, and an order_id of one order still works"
ot_is "$(ot_psql -d ot_dup -c "SELECT ordertrack.advance(5, 'cancelled')" 2>&1 | grep -c 'order_id 5 is ambiguous')" 1 \
	"and advance() refuses the shared one"
"$PGBIN/dropdb" ot_dup

# Orders confirmed and scanned at 0.7: the update to 0.8 fills in what the
# sweep and the scorecards read (confirmation, newest scan, the carriers' record).
"$PGBIN/dropdb" --if-exists ot_seven
"$PGBIN/createdb" ot_seven
ot_psql -d ot_seven -c "CREATE EXTENSION ordertrack VERSION '0.7'" \
	-c "INSERT INTO ordertrack.products (sku, title) VALUES ('HD-1', 'hoodie')" \
	-c "SELECT ordertrack.submit_order(jsonb_build_object('shop', 's1', 'external_ref', 'e' || g, 'account', 'a' || g,
		'recipient', '张三', 'phone', '13812345678', 'address', '北京市朝阳区建国路88号3号楼2单元501室', 'cash_on_delivery', true,
		'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'quantity', 1)))) FROM generate_series(1, 2) g" >/dev/null
ot_psql -d ot_seven -c "SELECT ordertrack.confirm(order_id) FROM ordertrack.orders" \
	-c "SELECT ordertrack.advance(order_id, 'picking'), ordertrack.advance(order_id, 'packed') FROM ordertrack.orders WHERE external_ref = 'e2'" \
	-c "SELECT ordertrack.record_scan(tracking_no, 'collected', '2030-01-01 10:00+08', '北京') FROM ordertrack.orders WHERE external_ref = 'e2'" >/dev/null
ot_psql -d ot_seven -c "ALTER EXTENSION ordertrack UPDATE" >/dev/null
ot_is "$(ot_val ot_seven "SELECT string_agg(format('%s %s %s %s', external_ref, stage, confirmed_at IS NOT NULL, last_scan_at = '2030-01-01 10:00+08'), ', ' ORDER BY external_ref)
	FROM ordertrack.orders")" "e1 confirmed t , e2 shipped f t" \
	"the update to 0.8 notes when a confirmed order was confirmed, and a shipped order's newest scan"
ot_is "$(ot_val ot_seven "SELECT format('%s %s %s', c.carrier, c.shipped_at = '2030-01-01 10:00+08', c.due_at - c.shipped_at)
	FROM ordertrack.carrier_shipments c")" "ZTO t 3 days" \
	"and enters the shipped parcel in the carriers' record, due by ZTO's promise"
"$PGBIN/dropdb" ot_seven

# Two orders of a shop with one tracking number (a writer could set it
# before 0.10): the update to 0.10 stops and names them; freed, it goes on.
"$PGBIN/dropdb" --if-exists ot_twins
"$PGBIN/createdb" ot_twins
ot_psql -d ot_twins -c "CREATE EXTENSION ordertrack VERSION '0.9'" -c "SET ordertrack.restoring = on" \
	-c "INSERT INTO ordertrack.orders (shop, external_ref, account, intake_checked_at, tracking_no)
		SELECT 's1', 'e' || g, 'a1', now(), '1722836735402222' FROM generate_series(1, 2) g" >/dev/null
refused=$(ot_psql -d ot_twins -c "ALTER EXTENSION ordertrack UPDATE TO '0.10'" 2>&1)
ot_is "$(grep -c 'orders of one shop share tracking numbers: 1722836735402222 (shop s1, orders 1, 2)' <<<"$refused") $(ot_val ot_twins "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'")" "1 0.9" \
	"the update to 0.10 stops at orders of one shop that share a tracking number, and names them"
ot_psql -d ot_twins -c "UPDATE ordertrack.orders SET tracking_no = NULL WHERE external_ref = 'e2'" \
	-c "ALTER EXTENSION ordertrack UPDATE TO '0.10'" >/dev/null
ot_is "$(ot_val ot_twins "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'")" "0.10" "and goes on once they do not"
"$PGBIN/dropdb" ot_twins

# Flag codes a shop added or retuned at 0.14: the update to 0.15 makes them
# custom (pg_dump keeps them) and leaves the others shipped.
"$PGBIN/dropdb" --if-exists ot_codes
"$PGBIN/createdb" ot_codes
ot_psql -d ot_codes -c "CREATE EXTENSION ordertrack VERSION '0.14'" \
	-c "INSERT INTO ordertrack.flag_codes VALUES ('gift_card', 'info', 'A gift card goes with the parcel')" \
	-c "UPDATE ordertrack.flag_codes SET severity = 'block' WHERE code = 'transit_stalled'" \
	-c "UPDATE ordertrack.flag_codes SET description = 'Ask the customer for a name' WHERE code = 'name_missing'" \
	-c "ALTER EXTENSION ordertrack UPDATE TO '0.15'" >/dev/null
ot_is "$(ot_val ot_codes "SELECT string_agg(code, ' ' ORDER BY code) || ', ' || (SELECT count(*) FROM ordertrack.flag_codes WHERE origin = 'shipped')
	FROM ordertrack.flag_codes WHERE origin = 'custom'")" "gift_card name_missing transit_stalled, 19" \
	"the update to 0.15 makes the flag codes a shop added or changed custom, and the 19 others shipped"
"$PGBIN/dropdb" ot_codes

ot_is "$(ot_val ot_fresh "SELECT count(*) FROM pg_available_extension_versions WHERE name = 'ordertrack' AND version = '$default'")" 1 \
	"the server lists version $default"
"$PGBIN/dropdb" ot_fresh
ot_done
