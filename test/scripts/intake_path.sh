#!/usr/bin/env bash
# Which way intake checks an order: directly (index scans and the
# executor's single-row writes) on plain tables with only the extension's
# own triggers and foreign keys, and through SQL statements when a DBA's
# trigger, a forced row-level security policy or a partitioned table is in
# the way, or when ordertrack.intake_sql is on; a committed change applies
# to the next order.  Read from intake's DEBUG1 line.  (What each path
# does is in test/pgtap/04_intake.sql, 05_intake_sql.sql and
# 11_direct_path.sql; this checks the choice, which only cost shows.)
# Needs the cluster from test/run.sh (PG* set).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

db=ot_intake_path
ot_fresh_db $db -c "INSERT INTO ordertrack.products (sku, title) VALUES ('IP-1', 'hoodie')" || exit 1
# Takes one order and prints how intake checked it.
path() {
	"$PGBIN/psql" -X -q -d $db -c "SET client_min_messages = debug1" ${1:+-c "$1"} -c "
		WITH o AS (INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address)
				   VALUES ('ip', gen_random_uuid()::text, 'acc', '张三', '13812345678', '北京市朝阳区建国路88号3号楼2单元501室')
				   RETURNING shop, order_id)
		INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity) SELECT shop, order_id, 'IP-1', 1 FROM o" 2>&1 |
		sed -n 's/.*ordertrack intake: order [0-9]* checked //p'
}

ot_is "$(path)" directly "plain tables: intake checks directly"
ot_psql -d $db -c "CREATE FUNCTION public.noop() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RETURN NULL; END \$\$" \
	-c "CREATE TRIGGER dba_noop AFTER INSERT ON ordertrack.flags FOR EACH STATEMENT EXECUTE FUNCTION public.noop()"
ot_is "$(path)" "through SQL statements" "a DBA's trigger on flags: through SQL statements"
ot_psql -d $db -c "DROP TRIGGER dba_noop ON ordertrack.flags"
ot_is "$(path)" directly "the trigger dropped: directly again"
ot_psql -d $db -c "CREATE TRIGGER dba_noop AFTER UPDATE OF stage ON ordertrack.orders FOR EACH ROW EXECUTE FUNCTION public.noop()"
ot_is "$(path)" "through SQL statements" "a DBA's UPDATE OF trigger on orders: through SQL statements"
ot_psql -d $db -c "DROP TRIGGER dba_noop ON ordertrack.orders" \
	-c "CREATE TABLE public.parent (shop text NOT NULL, order_id bigint NOT NULL, PRIMARY KEY (shop, order_id))" \
	-c "INSERT INTO public.parent SELECT shop, order_id FROM ordertrack.orders" \
	-c "ALTER TABLE ordertrack.order_lines ADD FOREIGN KEY (shop, order_id) REFERENCES public.parent"
ot_is "$(path "INSERT INTO public.parent VALUES ('ip', (SELECT last_value + 1 FROM ordertrack.orders_order_id_seq))")" directly \
	"a DBA's foreign key (internal row triggers): directly"
ot_psql -d $db -c "ALTER TABLE ordertrack.customer_notes FORCE ROW LEVEL SECURITY"
ot_is "$(path "INSERT INTO public.parent VALUES ('ip', (SELECT last_value + 1 FROM ordertrack.orders_order_id_seq))")" \
	"through SQL statements" "FORCE ROW LEVEL SECURITY on customer_notes: through SQL statements"
ot_psql -d $db -c "ALTER TABLE ordertrack.customer_notes NO FORCE ROW LEVEL SECURITY"
ot_is "$(path "SET ordertrack.intake_sql = on; INSERT INTO public.parent VALUES ('ip', (SELECT last_value + 1 FROM ordertrack.orders_order_id_seq))")" \
	"through SQL statements" "ordertrack.intake_sql = on: through SQL statements"
"$PGBIN/dropdb" $db
ot_done
