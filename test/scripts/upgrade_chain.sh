#!/usr/bin/env bash
# The packaging is consistent and every release upgrades to the current one:
# - ordertrack.control's default_version equals the Makefile's EXTVERSION and
#   CREATE EXTENSION installs it (a base script plus upgrade scripts);
# - from every version that has an install script, CREATE EXTENSION at that
#   version then ALTER EXTENSION UPDATE reaches default_version through the
#   ordertrack--A--B.sql chain, with the same objects, columns and comments
#   as a fresh install.
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

"$PGBIN/dropdb" --if-exists ot_fresh
"$PGBIN/createdb" ot_fresh && ot_psql -d ot_fresh -c "CREATE EXTENSION ordertrack"
fresh=$(describe ot_fresh)
ot_is "$(ot_val ot_fresh "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'")" "$default" \
	"CREATE EXTENSION installs version $default"
# every upgrade script in the package is on a path that ends at default_version
ot_is "$(ot_val ot_fresh "SELECT count(*) FROM pg_extension_update_paths('ordertrack')
	WHERE target = '$default' AND path IS NULL AND source <> '$default'")" 0 \
	"every released version upgrades to $default"

for script in ordertrack--*.sql; do
	v=${script#ordertrack--}; v=${v%.sql}
	case $v in *--*) continue ;; esac		# an upgrade script, not an install script
	[ "$v" = "$default" ] && continue
	# this install script and the chain after it must equal a fresh install
	"$PGBIN/dropdb" --if-exists ot_upgrade
	"$PGBIN/createdb" ot_upgrade
	ot_psql -d ot_upgrade -c "CREATE EXTENSION ordertrack VERSION '$v'" -c "ALTER EXTENSION ordertrack UPDATE"
	ot_is "$(ot_val ot_upgrade "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'")" "$default" \
		"$v upgrades to $default"
	ot_is "$(describe ot_upgrade)" "$fresh" "$v upgraded to $default has the objects, columns and comments of a fresh install"
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

ot_is "$(ot_val ot_fresh "SELECT count(*) FROM pg_available_extension_versions WHERE name = 'ordertrack' AND version = '$default'")" 1 \
	"the server lists version $default"
"$PGBIN/dropdb" ot_fresh
ot_done
