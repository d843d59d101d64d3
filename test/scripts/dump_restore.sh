#!/usr/bin/env bash
# Issue numbers, dump, restore into a new database, issue more: no number is
# issued twice, the secret and the sequence position come back, the shop's
# settings and flag codes come back, and the restore itself raises no error.  Custom format through pg_restore, and
# plain SQL through psql.  (Not pg_restore -j: pg_dump records no foreign-key
# order between an extension's tables for parallel workers; see README.)  Needs the cluster from test/run.sh (PG* set).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

src=ot_dump_src
ot_fresh_db $src
ot_psql -d $src -c "CREATE TABLE issued (n ordertrack.tracking_no PRIMARY KEY, batch text NOT NULL)" \
	-c "INSERT INTO issued SELECT ordertrack.issue_tracking_no(), 'before dump' FROM generate_series(1, 20000)"
# the shop's own settings: changed, added and replaced rows
ot_psql -d $src -c "UPDATE ordertrack.remote_regions SET remote = false WHERE region_code = 620000" \
	-c "INSERT INTO ordertrack.address_unit_keywords (keyword) VALUES ('门牌')" \
	-c "INSERT INTO ordertrack.special_request_keywords (keyword, tag, enabled) VALUES ('冰袋', 'cold_chain', false)" \
	-c "INSERT INTO ordertrack.regions (code, level, parent_code, name, short_names) VALUES (330199, 3, 330100, '云栖小镇', '{云栖}')" \
	-c "INSERT INTO ordertrack.stage_transitions (from_stage, to_stage) VALUES ('received', 'picking')" \
	-c "UPDATE ordertrack.stage_transitions SET enabled = false WHERE from_stage = 'packed' AND to_stage = 'cancelled'" \
	-c "INSERT INTO ordertrack.flag_codes (code, severity, description) VALUES ('gift_card', 'info', 'A gift card goes with the parcel')" \
	-c "UPDATE ordertrack.flag_codes SET severity = 'block' WHERE code = 'transit_stalled'"
settings_sql="SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
	SELECT format('%s %s %s %s', code, severity, description, origin) t FROM ordertrack.flag_codes UNION ALL
	SELECT format('%s %s %s', region_code, remote, origin) t FROM ordertrack.remote_regions UNION ALL
	SELECT format('%s %s %s', keyword, enabled, origin) FROM ordertrack.address_unit_keywords UNION ALL
	SELECT format('%s %s %s %s', keyword, tag, enabled, origin) FROM ordertrack.special_request_keywords UNION ALL
	SELECT format('%s %s %s %s', code, name, short_names, origin) FROM ordertrack.regions UNION ALL
	SELECT format('%s %s %s %s', from_stage, to_stage, enabled, origin) FROM ordertrack.stage_transitions) s"
src_settings=$(ot_val $src "$settings_sql")
# orders as intake left them: flagged, clean, resolved
ot_psql -d $src -c "INSERT INTO ordertrack.products (sku, title) VALUES ('HD-1', 'hoodie')" \
	-c "SELECT ordertrack.submit_order(jsonb_build_object('shop', 's' || g % 3, 'external_ref', 'E' || g,
		'account', 'acc' || g % 7, 'recipient', '张三', 'phone', '13812345678',
		'address', CASE WHEN g % 4 = 0 THEN '某某小区' ELSE '北京市朝阳区建国路88号3号楼' END,
		'remarks', CASE WHEN g % 5 = 0 THEN '周末配送' END,
		'lines', jsonb_build_array(jsonb_build_object('sku', CASE WHEN g % 6 = 0 THEN 'X' ELSE 'HD-1' END, 'quantity', 1))))
		FROM generate_series(1, 200) g" \
	-c "SELECT ordertrack.resolve_flag(flag_id, 'checked') FROM ordertrack.flags WHERE code = 'duplicate_suspect' LIMIT 5" \
	-c "SELECT ordertrack.mark_paid(order_id) FROM ordertrack.orders WHERE stage = 'received' LIMIT 20" \
	-c "SELECT ordertrack.confirm(order_id) FROM ordertrack.orders WHERE paid_at IS NOT NULL" \
	-c "SELECT ordertrack.record_scan(tracking_no, 'collected', now()) FROM ordertrack.orders WHERE tracking_no IS NOT NULL LIMIT 3" \
	-c "INSERT INTO ordertrack.carrier_rules (priority, requirement, carrier) VALUES (5, 'fragile', 'JD')" \
	-c "SELECT ordertrack.subscribe('wms', '{warehouse,tracking}')" \
	-c "SELECT count(*) FROM ordertrack.poll('wms', 10)" >/dev/null
orders_sql="SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
	SELECT format('%s', o) t FROM ordertrack.orders o UNION ALL
	SELECT format('%s', l) FROM ordertrack.order_lines l UNION ALL
	SELECT format('%s', f) FROM ordertrack.flags f UNION ALL
	SELECT format('%s', e) FROM ordertrack.events e UNION ALL
	SELECT format('%s', h) FROM ordertrack.stage_history h UNION ALL
	SELECT format('%s', s) FROM ordertrack.scans s UNION ALL
	SELECT format('%s', c) FROM ordertrack.consumers c UNION ALL
	SELECT format('%s', r) FROM ordertrack.carrier_rules r UNION ALL
	SELECT format('%s', g) FROM ordertrack.outbox_origin g) s"
src_orders=$(ot_val $src "$orders_sql")
src_secret=$(ot_val $src "SELECT md5(secret) FROM ordertrack.tracking_secret")
src_seq=$(ot_val $src "SELECT last_value FROM ordertrack.tracking_seq")
dir=$(mktemp -d)

for format in custom plain; do
	dst=ot_dump_dst_$format
	"$PGBIN/dropdb" --if-exists $dst
	if [ $format = custom ]; then
		"$PGBIN/pg_dump" -Fc -f "$dir/db.dump" $src
		"$PGBIN/createdb" $dst
		PGOPTIONS="-c ordertrack.restoring=on" "$PGBIN/pg_restore" --exit-on-error -d $dst "$dir/db.dump" >"$dir/restore.log" 2>&1
	else
		"$PGBIN/pg_dump" -Fp -f "$dir/db.sql" $src
		"$PGBIN/createdb" $dst
		PGOPTIONS="-c ordertrack.restoring=on" ot_psql -d $dst -f "$dir/db.sql" >"$dir/restore.log" 2>&1
	fi
	ot_is "$?" 0 "$format dump restores without error"
	ot_is "$(ot_val $dst "SELECT md5(secret) FROM ordertrack.tracking_secret")" "$src_secret" \
		"$format: the restored database has the dumped secret"
	ot_is "$(ot_val $dst "SELECT count(*) FROM ordertrack.tracking_secret")" 1 "$format: one secret row"
	ot_is "$(ot_val $dst "$settings_sql")" "$src_settings" \
		"$format: settings come back exactly: shipped rows, changed ones, added ones"
	ot_is "$(ot_val $dst "SELECT string_agg(code || ' ' || severity || ' ' || origin, ', ' ORDER BY code) FROM ordertrack.flag_codes
		WHERE code IN ('gift_card', 'transit_stalled', 'parcel_lost')")" \
		"gift_card info custom, parcel_lost warn shipped, transit_stalled block custom" \
		"$format: the shop's flag codes come back: an added code, a shipped code's changed severity (once), the others as shipped"
	ot_is "$(ot_val $dst "SELECT (ordertrack.locate_region('浙江杭州云栖小镇1号')).district_code")" 330199 \
		"$format: a custom region is recognised after the restore"
	ot_is "$(ot_val $dst "$orders_sql")" "$src_orders" \
		"$format: orders, lines, flags, events, stage history, scans, consumers and carrier rules come back exactly as dumped (nothing new)"
	ot_is "$(ot_val $dst "SELECT count(*) FROM ordertrack.orders WHERE stage = 'review'") -gt 0" \
		"$(ot_val $src "SELECT count(*) FROM ordertrack.orders WHERE stage = 'review'") -gt 0" \
		"$format: held orders are still held"
	ot_psql -d $dst -c "SELECT ordertrack.submit_order(jsonb_build_object('shop', 's1', 'external_ref', 'after',
		'account', 'acc1', 'recipient', '李雷', 'phone', '13900001111', 'address', '上海市浦东新区世纪大道100号1栋',
		'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'quantity', 1))))" >/dev/null
	ot_is "$(ot_val $dst "SELECT count(*) FROM ordertrack.events WHERE kind = 'order_received'")" 201 \
		"$format: a new order after the restore is checked as usual (ids go on where they were)"
	ot_is "$(ot_val $dst "SELECT count(*) FROM ordertrack.poll('wms', 10)")" 10 \
		"$format: a consumer's position carries on: what it was given and did not acknowledge comes again"
	ot_is "$(ot_val $dst "SELECT ordertrack.record_pick(order_id, 'HD-1', 1) FROM ordertrack.orders WHERE stage = 'confirmed' LIMIT 1")" 1 \
		"$format: a confirmed order is picked after the restore"
	ot_is "$(ot_val $dst "SELECT ordertrack.advance(order_id, 'packed') FROM ordertrack.orders WHERE stage = 'picking' LIMIT 1")" packed \
		"$format: an order moves after the restore"
	ot_is "$(ot_val $dst "SELECT count(DISTINCT change_id) = count(*) AND max(change_id) = max(change_id) FILTER (WHERE to_stage = 'packed') FROM ordertrack.stage_history")" t \
		"$format: and its move is numbered after the restored ones"
	ot_is "$(ot_val $dst "SELECT count(*) FROM ordertrack.stage_transitions WHERE (from_stage, to_stage) IN (('received', 'picking'), ('packed', 'cancelled')) AND origin = 'custom'")" 2 \
		"$format: the shop's own moves and switched-off moves are kept"
	ot_is "$(ot_val $dst "SELECT last_value >= $src_seq FROM ordertrack.tracking_seq")" t \
		"$format: the sequence resumes where the dump left it"
	ot_psql -d $dst -c "INSERT INTO issued SELECT ordertrack.issue_tracking_no(), 'after restore' FROM generate_series(1, 20000)" \
		>"$dir/issue.log" 2>&1
	ot_is "$?" 0 "$format: 20,000 numbers issued after the restore, none equal to one before (primary key)"
	ot_is "$(ot_val $dst "SELECT count(DISTINCT n) FROM issued")" 40000 "$format: 40,000 distinct numbers"
	ot_is "$(ot_val $dst "SELECT count(*) FROM issued i JOIN issued j ON i.n OPERATOR(ordertrack.=) j.n AND i.batch <> j.batch")" 0 \
		"$format: no number issued both before and after"
	# a dump of the restored database restores too (the chain goes on)
	"$PGBIN/pg_dump" -Fc -f "$dir/again.dump" $dst && "$PGBIN/dropdb" --if-exists ${dst}_2 &&
		"$PGBIN/createdb" ${dst}_2 && PGOPTIONS="-c ordertrack.restoring=on" "$PGBIN/pg_restore" --exit-on-error -d ${dst}_2 "$dir/again.dump"
	ot_is "$?" 0 "$format: the restored database dumps and restores again"
	ot_is "$(ot_val ${dst}_2 "SELECT md5(secret) FROM ordertrack.tracking_secret")" "$src_secret" \
		"$format: the secret survives a second round"
	ot_is "$(ot_val ${dst}_2 "$settings_sql")" "$src_settings" \
		"$format: and so do the settings and flag codes"
	"$PGBIN/dropdb" $dst; "$PGBIN/dropdb" ${dst}_2
done

# Restoring into a database that already issued with its own secret fails
# loudly instead of mixing two secrets.
used=ot_dump_used
ot_fresh_db $used
ot_val $used "SELECT ordertrack.issue_tracking_no() IS NOT NULL" >/dev/null
"$PGBIN/pg_dump" -Fc --data-only -t ordertrack.tracking_secret -f "$dir/secret.dump" $src
PGOPTIONS="-c ordertrack.restoring=on" "$PGBIN/pg_restore" -d $used "$dir/secret.dump" >"$dir/used.log" 2>&1
ot_is "$?" 1 "restoring a secret over one in use is refused"
ot_is "$(grep -c 'secret is in use' "$dir/used.log")" 1 "with the message that says why"
"$PGBIN/dropdb" $used; "$PGBIN/dropdb" $src
rm -rf "$dir"
ot_done
