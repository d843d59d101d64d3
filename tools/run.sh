#!/usr/bin/env bash
# Sets everything up and runs ordertrack.
#
#   bash tools/run.sh                 throwaway local cluster that preloads
#                                     the library: install, create the
#                                     extension, show it working, clean up
#   bash tools/run.sh "dbname=shop"   install into that database (a libpq
#                                     connection string or database name):
#                                     CREATE EXTENSION or ALTER EXTENSION
#                                     UPDATE, then a summary
#
# Installs what it needs from apt on Debian 12 (as root, or through sudo).
set -eu
cd "$(dirname "$0")/.."
. test/lib.sh

echo "== installing packages"
ot_install_packages
echo "== building and installing ordertrack"
ot_build_install

target=${1:-}
if [ -z "$target" ]; then
	echo "== starting a throwaway cluster that preloads ordertrack (its doorbell announces events)"
	trap 'ot_cluster_destroy' EXIT
	ot_cluster_start -c shared_preload_libraries=ordertrack
	target="dbname=ordertrack_demo"
	"$PGBIN/createdb" ordertrack_demo
fi

# as root, connect as the postgres user (peer authentication on Debian)
ot_run_as_owner "$PGBIN/psql" -X -v ON_ERROR_STOP=1 "$target" <<'SQL'
\echo == installing the extension
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'ordertrack')
            THEN 'ALTER EXTENSION ordertrack UPDATE' ELSE 'CREATE EXTENSION ordertrack' END AS ddl \gset
:ddl;
SELECT extversion AS "ordertrack version", extnamespace::regnamespace AS schema
  FROM pg_extension WHERE extname = 'ordertrack';
SELECT current_setting('shared_preload_libraries') ~ '(^|[ ,])ordertrack($|[ ,])' AS preloaded \gset
\if :preloaded
\echo ordertrack is preloaded: events are announced by the doorbell worker (ordertrack.notify = doorbell)
\else
\echo ordertrack is not preloaded: each writing transaction announces its events (ordertrack.notify = commit).
\echo For the doorbell, faster under load: ALTER SYSTEM SET shared_preload_libraries = 'ordertrack' (with any
\echo libraries already listed, as a list: = pg_cron, ordertrack), then restart the server.
\endif
SQL

if [ -n "${OT_CLUSTER_DIR:-}" ]; then
	"$PGBIN/psql" -X -v ON_ERROR_STOP=1 "$target" <<'SQL'
SET search_path = "$user", public, ordertrack;
\echo == five new tracking numbers
SELECT issue_tracking_no() AS tracking_no FROM generate_series(1, 5);
\echo == input forms and validation
SELECT t AS input, tracking_no_valid(t) AS valid
  FROM (SELECT issue_tracking_no()::text AS n) i,
       -- where two different neighbouring digits are (equal ones swapped give the same number)
       LATERAL (SELECT min(p) AS p FROM generate_series(1, 15) p WHERE substr(n, p, 1) <> substr(n, p + 1, 1)) s,
       LATERAL (VALUES (n),
                       (regexp_replace(n, '(\d{4})(\d{4})(\d{4})(\d{4})', '\1 \2 \3 \4')),
                       (regexp_replace(n, '(\d{4})(\d{4})(\d{4})(\d{4})', '\1-\2-\3-\4')),
                       (overlay(n PLACING substr(n, p + 1, 1) || substr(n, p, 1) FROM p FOR 2))) v(t);
\echo == order intake: three orders from an ERP, checked as they commit
INSERT INTO products (sku, title, spec, colour, fragile) VALUES
	('HD-1', 'hoodie', 'L', 'grey', false), ('CUP-1', 'mug', '350ml', 'white', true);
INSERT INTO customer_notes (shop, account, note) VALUES ('demo', 'u2', 'last time the packaging was too thin');
SELECT submit_order('{"shop": "demo", "external_ref": "T1", "account": "u1", "recipient": "张三",
  "phone": "138 1234 5678", "address": "北京市朝阳区建国路88号3号楼2单元501室",
  "remarks": "周末配送，不要礼品包装", "lines": [{"sku": "HD-1", "title": "hoodie", "quantity": 1}]}') AS order_id;
SELECT submit_order('{"shop": "demo", "external_ref": "T2", "account": "u2", "recipient": "李四",
  "phone": "+86 139-0000-1111", "address": "新疆乌鲁木齐天山区解放北路", "remarks": "易碎，加急",
  "lines": [{"sku": "CUP-1", "quantity": 2, "customization": "生日快乐"}]}') AS order_id;
SELECT submit_order('{"shop": "demo", "external_ref": "T3", "account": "u3", "recipient": "...",
  "phone": "12345", "address": "somewhere", "lines": [{"sku": "HD-1", "title": "sweater", "quantity": 1}]}') AS order_id;
SELECT external_ref, stage, service_requirements, province, district, remote, phone_normalized
  FROM orders WHERE shop = 'demo' ORDER BY order_id;
SELECT o.external_ref, f.code, f.severity, f.detail
  FROM flags f JOIN orders o USING (shop, order_id) WHERE o.shop = 'demo' ORDER BY f.flag_id;
SELECT event_id, topic, kind, payload FROM events WHERE shop = 'demo' ORDER BY event_id LIMIT 4;
\echo == T1 through its stages: paid, confirmed, picked, packed, scanned by the carrier
SELECT subscribe('wms', '{warehouse,tracking}');
SELECT count(*) AS "events wms skips" FROM poll('wms', 1000);
SELECT ack('wms', given_id) FROM consumers WHERE consumer = 'wms';
SELECT mark_paid(order_id) AS paid_at, confirm(order_id) AS tracking_no
  FROM orders WHERE shop = 'demo' AND external_ref = 'T1';
SELECT tracking_no, carrier, stage FROM orders WHERE shop = 'demo' AND external_ref = 'T1';
SELECT record_pick(order_id, 'HD-1', 1) AS pick_progress, advance(order_id, 'packed', 'boxed') AS stage
  FROM orders WHERE shop = 'demo' AND external_ref = 'T1';
SELECT record_scan(tracking_no, 'collected', now(), '深圳南山营业部') AS stage
  FROM orders WHERE shop = 'demo' AND external_ref = 'T1';
SELECT h.from_stage, h.to_stage, h.actor, h.reason
  FROM stage_history h JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'T1' ORDER BY h.change_id;
\echo == what the warehouse consumer receives, oldest first, once acknowledged never again
SELECT event_id, topic, kind, payload ->> 'to' AS "to" FROM poll('wms', 100);
SELECT ack('wms', given_id) FROM consumers WHERE consumer = 'wms';
SELECT count(*) AS "left for wms" FROM poll('wms', 100);
\echo == a move the stage graph does not allow is refused, with the allowed ones
\set ON_ERROR_STOP 0
SELECT advance(order_id, 'delivered') FROM orders WHERE shop = 'demo' AND external_ref = 'T3';
\echo == a mistyped number is refused with the reason
SELECT '1722836735402223'::tracking_no;
SQL
	echo "== done; the throwaway cluster is removed"
fi
