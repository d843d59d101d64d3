#!/usr/bin/env bash
# distribute() on the coordinator: the per-shop tables distributed by shop
# and colocated with orders, the catalogue and settings as reference tables
# with their shipped rows intact, every worker given the key with its group
# id as issuer; a second run changes nothing.  Needs the cluster of
# test/citus.sh (PGHOST/PGPORT: the coordinator).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

db=postgres
shipped_before=$(ot_val $db "SELECT count(*) FROM ordertrack.regions WHERE origin = 'shipped'")
custom_before=$(ot_val $db "SELECT count(*) FROM ordertrack.regions WHERE origin = 'custom'")

out=$(ot_val $db "SELECT done, count(*) FROM ordertrack.distribute() GROUP BY done ORDER BY done" | tr '\n' ' ')
ot_is "$out" "distributed by shop|10 issuer 1, key taken|1 issuer 2, key taken|1 numbered by the node that stores them|1 reference table|11 " \
	"distribute(): 10 tables by shop, 11 reference tables, events numbered where they are stored, each worker takes the key as its group id"

ot_is "$(ot_val $db "SELECT count(DISTINCT colocationid) || ' ' || count(*) FROM pg_dist_partition
	WHERE partmethod = 'h' AND logicalrelid::text LIKE 'ordertrack.%'")" "1 10" \
	"the per-shop tables share one colocation group"
ot_is "$(ot_val $db "SELECT string_agg(DISTINCT a.attname, ',') FROM pg_dist_partition p
	JOIN pg_attribute a ON a.attrelid = p.logicalrelid AND a.attname = column_to_column_name(p.logicalrelid, p.partkey)
	WHERE p.partmethod = 'h' AND p.logicalrelid::text LIKE 'ordertrack.%'")" "shop" \
	"every one is distributed by shop"
ot_is "$(ot_val $db "SELECT count(*) FROM pg_dist_partition WHERE partmethod = 'n' AND logicalrelid::text LIKE 'ordertrack.%'")" 11 \
	"the catalogue and settings tables are reference tables"

ot_is "$(ot_val $db "SELECT count(*) FILTER (WHERE origin = 'shipped') || ' ' || count(*) FILTER (WHERE origin = 'custom') FROM ordertrack.regions")" \
	"$shipped_before $custom_before" "the shipped regions stay shipped, none became custom"
ot_is "$(ot_val $db "SELECT string_agg(result, ' ' ORDER BY nodeport) FROM run_command_on_workers(
	\$\$SELECT count(*) FROM ordertrack.regions WHERE origin = 'shipped'\$\$)")" "$shipped_before $shipped_before" \
	"and every worker reads them"

out=$(ot_val $db "SELECT done, count(*) FROM ordertrack.distribute() GROUP BY done ORDER BY done" | tr '\n' ' ')
ot_is "$out" "issuer 1, key kept|1 issuer 2, key kept|1 " "a second run changes nothing"

key=$(ot_val $db "SELECT md5(secret) FROM ordertrack.tracking_secret")
ot_is "$(ot_val $db "SELECT string_agg(result, ' ' ORDER BY nodeport) FROM run_command_on_workers(
	\$\$SELECT md5(secret) || '/' || issuer FROM ordertrack.tracking_secret\$\$)")" "$key/1 $key/2" \
	"every worker has the coordinator's key and its own issuer"

# numbers issued on every node: valid, and none twice
ot_psql -d $db -c "CREATE TEMP TABLE issued AS SELECT ordertrack.issue_tracking_no()::text AS n FROM generate_series(1, 2000)" \
	-c "INSERT INTO issued SELECT unnest(string_to_array(result, ',')) FROM run_command_on_workers(
		\$\$SELECT string_agg(ordertrack.issue_tracking_no()::text, ',') FROM generate_series(1, 2000)\$\$)" \
	-c "SELECT count(*) AS n, count(DISTINCT n) AS d, bool_and(ordertrack.tracking_no_valid(n)) AS v FROM issued" \
	>/tmp/ordertrack-citus-issued.$$ 2>&1
ot_is "$(tail -3 /tmp/ordertrack-citus-issued.$$ | head -1 | tr -d ' ')" "6000|6000|t" \
	"6,000 tracking numbers from the coordinator and both workers: all valid, none twice"
rm -f /tmp/ordertrack-citus-issued.$$

ot_is "$(ot_val $db "SELECT result FROM run_command_on_workers(\$\$SELECT ordertrack.distribute()\$\$) LIMIT 1" |
	grep -o 'runs on the coordinator')" "runs on the coordinator" "distribute() on a worker is refused"
ot_done
