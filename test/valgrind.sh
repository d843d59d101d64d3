#!/usr/bin/env bash
# test/valgrind.sh: the server under valgrind memcheck (the postmaster, every
# backend and the doorbell worker), running pgTAP suites, the pg_regress
# files and a doorbell round; ends with the errors whose stack
# passes through ordertrack.so, none expected.  Not part of test/run.sh
# (it takes a few minutes): run it after changing the C library.
#
#   bash test/valgrind.sh                       (from the repository root)
#   bash test/valgrind.sh test/pgtap/04_intake.sql ...     other suites
#
# The other reports are counted by kind, not shown; on Debian's PostgreSQL
# 15 they are: uninitialised padding written to WAL and files (pwrite,
# write; a server built without USE_VALGRIND does not mark it), the dynamic
# loader reading past a string (strncmp in dl-load.c), and the regular
# expression cache moving its entries with memmove (reported as an overlap
# in __memcpy_chk).  Every process's log is kept in the directory named at
# the end.  Exits non-zero when an error passes through ordertrack.so or a
# suite fails.
set -u
cd "$(dirname "$0")/.."
. test/lib.sh

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(test/pgtap/04_intake.sql test/pgtap/06_stages.sql
	test/pgtap/07_confirmation.sql test/pgtap/08_scans_feedback.sql test/pgtap/09_events.sql
	test/pgtap/10_order_ids.sql test/pgtap/11_direct_path.sql test/pgtap/12_rederive.sql
	test/pgtap/03_settings.sql test/pgtap/02_issuing_secret.sql test/pgtap/13_recheck.sql
	test/pgtap/14_sweep.sql test/pgtap/15_carriers.sql test/pgtap/16_trust.sql test/pgtap/18_duties.sql test/pgtap/19_shop_access.sql
	test/pgtap/20_shop_group.sql)
OT_PACKAGES="$OT_PACKAGES valgrind"
ot_install_packages && ot_build_install || exit 1

ot_cluster_start || exit 1	# makes the cluster; it runs under valgrind below
ot_cluster_ctl stop
vg=$(mktemp -d /tmp/ordertrack-valgrind.XXXXXX)	# kept: every process's log
chown "$(ot_cluster_user)" "$vg"
trap 'ot_run_as_owner "$PGBIN/pg_ctl" -D "$OT_CLUSTER_DIR/data" -w -t 300 -m fast stop >/dev/null 2>&1; ot_cluster_destroy' EXIT
ot_run_as_owner valgrind -q --error-limit=no --num-callers=40 --log-file="$vg/%p.log" \
	"$PGBIN/postgres" -D "$OT_CLUSTER_DIR/data" -p "$PGPORT" -k "$OT_CLUSTER_DIR" -c listen_addresses= \
	-c fsync=off -c shared_preload_libraries=ordertrack \
	-c ordertrack.notify=doorbell >"$OT_CLUSTER_DIR/server.log" 2>&1 &
for ((i = 0; i < 300; i++)); do "$PGBIN/pg_isready" -q && break; sleep 1; done
"$PGBIN/pg_isready" -q || { echo "the server did not start under valgrind"; tail "$OT_CLUSTER_DIR/server.log"; exit 1; }

fail=0
for t in "${suites[@]}"; do
	ot_fresh_db ot_vg -c "CREATE EXTENSION pgtap" >/dev/null 2>&1
	if pg_prove -d ot_vg "$t" >"$vg/prove.out" 2>&1; then echo "# $t: passed"
	else echo "# $t: FAILED"; tail -20 "$vg/prove.out"; fail=1; fi
done
# the pg_regress files, against this server (make installcheck uses PGHOST
# and PGPORT), compared with their expected output
if make -s PG_CONFIG="$PG_CONFIG" ISOLATION= installcheck >"$vg/regress.out" 2>&1; then
	echo "# pg_regress: $(grep -c '\.\.\. ok' "$vg/regress.out") passed"
else echo "# pg_regress: FAILED"; grep -E '\.\.\. ' "$vg/regress.out"; fail=1; fi
ot_fresh_db ot_vg >/dev/null 2>&1
# a doorbell round: the worker wakes a listener when an event commits
ot_psql -d ot_vg -c "INSERT INTO ordertrack.events (shop, topic, kind) VALUES ('s1', 'intake', 'valgrind')" >/dev/null
sleep 5
ot_run_as_owner "$PGBIN/pg_ctl" -D "$OT_CLUSTER_DIR/data" -w -t 300 -m fast stop >/dev/null

logs=$(ls "$vg"/*.log | wc -l)
errors=$(grep -l "^==[0-9]*== [A-Z]" "$vg"/*.log 2>/dev/null | wc -l)
# A report is ordertrack's when one of the first four frames of its stack
# (or of where the memory it names was allocated) is in the library: named by its file (built with -g) or by ordertrack.so.
# (The library's utility hook is deep in many of PostgreSQL's own stacks;
# a frame that far down is not where the error is.)
srcs=$(cd src && ls *.c | sed 's/\./\\./' | paste -sd'|')
ours=$(for f in "$vg"/*.log; do
	awk -v re="ordertrack\\.so|[(]($srcs):[0-9]+[)]" '
		/^==[0-9]+== [A-Z]/ || /^==[0-9]+== +(Address|Block was|Uninitialised value was created)/ { n = 0; next }
		/^==[0-9]+== +(at|by) / { if (++n <= 4 && $0 ~ re) { found = 1; exit } }
		END { exit !found }' "$f" && echo "$f"
done)
echo "# $logs process logs; $errors with a valgrind report; $(wc -w <<<"$ours") through ordertrack.so"
# what the others are: the report's first line and the function it is in
for f in $(grep -l "^==[0-9]*== [A-Z]" "$vg"/*.log 2>/dev/null); do
	grep -A2 "^==[0-9]*== [A-Z]" "$f" | grep -E "^==[0-9]*== ( [A-Z]|[A-Z]|   at)" | sed 's/^==[0-9]*== *//; s/ (.*//'
done | paste - - | sort | uniq -c | sed 's/^/#   /'
echo "# logs: $vg"
for f in $ours; do echo "---- $f"; head -60 "$f"; done
[ -z "$ours" ] && [ $fail = 0 ]
