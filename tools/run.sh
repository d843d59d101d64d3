#!/usr/bin/env bash
# Sets everything up and runs ordertrack.
#
#   bash tools/run.sh                 throwaway local cluster that preloads
#                                     the library, its clock running fast:
#                                     install, create the extension, run a
#                                     shop's trading day through it
#                                     (tools/day.sh), clean up
#   bash tools/run.sh "dbname=shop"   that database (a libpq connection
#                                     string or database name): CREATE
#                                     EXTENSION or ALTER EXTENSION UPDATE,
#                                     then the trading day in a shop of its
#                                     own (demo-SEED), on the real clock
#
#   OT_DAY_ORDERS=N (20000) and OT_DAY_SEED=S (printed) size and replay the
#   day; OT_DAY_ORDERS=0 installs or updates only.
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
	echo "   its clock runs fast, so that a trading day passes in minutes (libfaketime)"
	trap 'ot_cluster_destroy' EXIT
	# the server's clock runs fast, from 23:00 (Beijing time) on the evening
	# before the demo's day (ahead of the real clock, as pg_ctl expects of a
	# server it starts): a day a minute up to 4,000 orders, slower for more,
	# so that the work keeps up with the clock on a 2-core machine (about
	# 150 orders a second through their whole day in the evening's peak;
	# 20,000 orders take five minutes).  The driver sweeps every simulated
	# minute, as pg_cron would: pg_cron's scheduler does not run on a clock
	# this fast (no run in 75 s, three simulated hours).
	orders=${OT_DAY_ORDERS:-20000}
	[ "$orders" -gt 0 ] 2>/dev/null || orders=1
	speed=$(( 1440 * 4000 / orders )); [ $speed -le 1440 ] || speed=1440; [ $speed -ge 10 ] || speed=10
	ot_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/dev/null 2>&1 ||
		dpkg -s libfaketime >/dev/null
	eve=$(TZ=Asia/Shanghai date -d 'today 23:00' +%s)
	[ "$eve" -gt $(( $(date +%s) + 60 )) ] || eve=$(( eve + 86400 ))
	export FAKETIME="@$(date -u -d "@$eve" '+%Y-%m-%d %H:%M:%S') x$speed" \
		FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_ONLY_CMDS=postgres
	LD_PRELOAD=$(dpkg -L libfaketime | grep 'libfaketimeMT.so.1$') \
		ot_cluster_start -c shared_preload_libraries=ordertrack -c checkpoint_timeout=1d -c timezone=Asia/Shanghai
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

if [ "${OT_DAY_ORDERS:-20000}" = 0 ]; then
	echo "== installed (OT_DAY_ORDERS=0: no trading day)"
elif [ -n "${OT_CLUSTER_DIR:-}" ]; then
	OT_DAY_FAST=1 bash tools/day.sh "$target" "${OT_DAY_ORDERS:-20000}" ${OT_DAY_SEED:-}
	echo "== done; the throwaway cluster is removed"
else
	bash tools/day.sh "$target" "${OT_DAY_ORDERS:-20000}" ${OT_DAY_SEED:-}
fi
