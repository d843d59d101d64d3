#!/usr/bin/env bash
# Sets everything up and runs ordertrack.
#
#   bash tools/run.sh                 throwaway local cluster: install, create
#                                     the extension, show it working, clean up
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
	echo "== starting a throwaway cluster"
	trap 'ot_cluster_destroy' EXIT
	ot_cluster_start
	target="dbname=ordertrack_demo"
	"$PGBIN/createdb" ordertrack_demo
fi

"$PGBIN/psql" -X -v ON_ERROR_STOP=1 "$target" <<'SQL'
\echo == installing the extension
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'ordertrack')
            THEN 'ALTER EXTENSION ordertrack UPDATE' ELSE 'CREATE EXTENSION ordertrack' END AS ddl \gset
:ddl;
SELECT extversion AS "ordertrack version", extnamespace::regnamespace AS schema
  FROM pg_extension WHERE extname = 'ordertrack';
SQL

if [ -n "${OT_CLUSTER_DIR:-}" ]; then
	"$PGBIN/psql" -X -v ON_ERROR_STOP=1 "$target" <<'SQL'
SET search_path = "$user", public, ordertrack;
\echo == five new tracking numbers
SELECT issue_tracking_no() AS tracking_no FROM generate_series(1, 5);
\echo == input forms and validation
SELECT t AS input, tracking_no_valid(t) AS valid
  FROM (SELECT issue_tracking_no()::text AS n) i,
       LATERAL (VALUES (n),
                       (regexp_replace(n, '(\d{4})(\d{4})(\d{4})(\d{4})', '\1 \2 \3 \4')),
                       (regexp_replace(n, '(\d{4})(\d{4})(\d{4})(\d{4})', '\1-\2-\3-\4')),
                       (overlay(n PLACING substr(n, 6, 1) || substr(n, 5, 1) FROM 5 FOR 2))) v(t);
\echo == a mistyped number is refused with the reason
\set ON_ERROR_STOP 0
SELECT '1722836735402223'::tracking_no;
SQL
	echo "== done; the throwaway cluster is removed"
fi
