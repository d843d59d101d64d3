#!/usr/bin/env bash
# The sweep scheduled by pg_cron, as the README tells a DBA to schedule it,
# on a cluster of its own that preloads pg_cron: an order unpaid for an hour
# gets payment_overdue at the job's next run (pg_cron runs jobs at the start
# of a minute: this takes up to a minute).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

export OT_PORT=$(( ${PGPORT:-54329} + 12 ))
trap 'ot_cluster_destroy' EXIT
ot_cluster_start -c shared_preload_libraries=pg_cron -c cron.database_name=postgres || exit 1
# pg_cron's jobs connect like a client: through the cluster's socket (read at start)
ot_psql -d postgres -c "ALTER SYSTEM SET cron.host = '$OT_CLUSTER_DIR'" >/dev/null
ot_cluster_ctl stop && ot_cluster_ctl start || exit 1
ot_psql -d postgres -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION ordertrack"
ot_psql -d postgres -c "INSERT INTO ordertrack.products (sku, title) VALUES ('CR-1', 'hoodie')" -c "
	SELECT ordertrack.submit_order('{\"shop\": \"cron\", \"external_ref\": \"C-1\", \"account\": \"acc-1\", \"recipient\": \"张三\",
		\"phone\": \"13812345678\", \"address\": \"北京市朝阳区建国路88号3号楼2单元501室\",
		\"lines\": [{\"sku\": \"CR-1\", \"quantity\": 1}]}');
	UPDATE ordertrack.orders SET created_at = now() - interval '1 hour' WHERE external_ref = 'C-1'" >/dev/null || exit 1
ot_is "$(ot_val postgres "SELECT count(*) FROM ordertrack.flags WHERE code = 'payment_overdue'")" 0 "no flag before the sweep"
ot_psql -d postgres -c "SELECT cron.schedule('ordertrack-sweep', '* * * * *', 'SELECT ordertrack.sweep()')" >/dev/null
for i in $(seq 1 90); do
	[ "$(ot_val postgres "SELECT count(*) FROM ordertrack.flags WHERE code = 'payment_overdue'")" = 1 ] && break
	sleep 1
done
ot_is "$(ot_val postgres "SELECT count(*) FROM ordertrack.flags WHERE code = 'payment_overdue'")" 1 \
	"the scheduled sweep raised payment_overdue on the order unpaid for an hour"
ot_is "$(ot_val postgres "SELECT status FROM cron.job_run_details ORDER BY runid LIMIT 1")" succeeded "and pg_cron recorded the run as succeeded"
ot_is "$(ot_val postgres "SELECT count(*) FROM ordertrack.events WHERE kind = 'payment_reminder'")" 1 "the customer is reminded once"
ot_done
