#!/usr/bin/env bash
# Runs every ordertrack test suite on a throwaway cluster and ends with one
# line "N passed, N failed".  Installs what it needs from apt on a fresh
# Debian 12 machine.  Exits non-zero when anything fails.
#
#   bash test/run.sh            all suites
#   OT_SUITES="unit pgtap" bash test/run.sh     only some of them
#
# Suites: unit (plain C), fuzz (short libFuzzer runs), regress (pg_regress and
# isolation specs), pgtap (test/pgtap/*.sql through pg_prove), scripts
# (test/scripts/*.sh: crash, dump/restore, binary COPY, concurrency, volume;
# OT_SCRIPTS="a b" for some of them), versions (test/versions.sh: the build,
# regress, pgTAP and some scripts on PostgreSQL 17 and 18, in Debian roots),
# citus (test/citus.sh: a coordinator and two workers, distributed by shop),
# docs (test/docs/run.sh: README.md's examples in order, as written).
set -u
cd "$(dirname "$0")/.."
. test/lib.sh

SUITES=${OT_SUITES:-"unit fuzz regress pgtap scripts docs citus versions"}
# always a cluster of its own, which it removes at the end: a cluster named
# by the caller's environment (a benchmark's or a developer's) is left alone
unset OT_CLUSTER_DIR
LOGDIR=$(mktemp -d /tmp/ordertrack-test-logs.XXXXXX)
chmod 777 "$LOGDIR"
PASS=0
FAIL=0
trap 'ot_cluster_destroy' EXIT

# Adds the TAP results in a log to the totals, printing a line for the file
# when a name is given; a failed command with no failing test line counts as
# one failure.
tally_tap() {
	local log=$1 status=$2 name=${3:-} p f
	p=$(grep -cE '^[[:space:]]*ok [0-9]+' "$log")
	f=$(grep -cE '^[[:space:]]*not ok [0-9]+' "$log")
	[ -z "$name" ] || echo "$name: $p ok, $f not ok"
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
	[ "$f" = 0 ] || { echo "---- $log"; grep -vE '^[[:space:]]*ok [0-9]+' "$log" | tail -40; }
}

section() { echo "== $*"; }

# Runs a script that ends with its own "N passed, N failed" line and adds
# that line to the totals (one failure when it printed none, or failed
# without counting one).
run_summarised() {
	local script=$1 log=$LOGDIR/$2.log st line p f
	bash "$script" 2>&1 | tee "$log" | grep -vE '^[[:space:]]*ok [0-9]'
	st=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	if [ -n "$line" ]; then
		p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed}
	else p=0; f=1; fi
	if [ "$st" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
}

section "packages"
ot_install_packages || { echo "0 passed, 1 failed"; exit 1; }
section "build"
if ! ot_build_install; then
	make PG_CONFIG="$PG_CONFIG" 2>&1 | tail -20
	echo "0 passed, 1 failed"; exit 1
fi

for suite in $SUITES; do
	case $suite in
	unit)
		section "C unit tests"
		for t in test/unit/test_*.c; do
			t=${t%.c}
			log=$LOGDIR/unit-$(basename "$t").log
			make -s "$t" >"$log" 2>&1 && "$t" >>"$log" 2>&1
			st=$?; grep -E '^#' "$log"; tally_tap "$log" $st "$(basename "$t")"
		done ;;
	fuzz)
		section "fuzzing the parsers (${OT_FUZZ_SECONDS:-10} s each)"
		for t in test/fuzz/fuzz_*.c; do
			t=${t%.c}; name=${t#test/fuzz/fuzz_}
			log=$LOGDIR/fuzz-$name.log
			if make -s "$t" >"$log" 2>&1; then
				mkdir -p "$LOGDIR/corpus-$name"
				"$t" -max_total_time="${OT_FUZZ_SECONDS:-10}" -print_final_stats=1 \
					"$LOGDIR/corpus-$name" "test/fuzz/seeds/$name" >>"$log" 2>&1
				st=$?
			else st=1; fi
			grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' "$log" | sed "s/^/# $name: /"
			if [ $st = 0 ]; then echo "ok 1 - fuzzing $name found nothing" >>"$log"
			else echo "not ok 1 - fuzzing $name" >>"$log"; fi
			tally_tap "$log" $st
		done ;;
	regress)
		[ -n "${OT_CLUSTER_DIR:-}" ] || ot_cluster_start
		section "pg_regress and isolation"
		# each kind on its own, so that a failure in one still runs the other
		for kind in regress isolation; do
			log=$LOGDIR/$kind.log
			if [ $kind = regress ]; then
				rm -rf results regression.diffs regression.out; diffs=regression.diffs
				make -s PG_CONFIG="$PG_CONFIG" ISOLATION= installcheck >"$log" 2>&1
			else
				rm -rf output_iso; diffs=output_iso/regression.diffs
				make -s PG_CONFIG="$PG_CONFIG" REGRESS= installcheck >"$log" 2>&1
			fi
			st=$?
			# (pg_regress prints "test x ... ok" up to 15, TAP lines "ok 1 - x" from 16 on)
			grep -E '\.\.\. |^(not )?ok [0-9]' "$log"
			p=$(grep -cE '\.\.\. ok|^ok [0-9]' "$log")
			f=$(grep -cE '\.\.\. FAILED|\.\.\. failed|^not ok [0-9]' "$log")
			if [ $st != 0 ] && [ "$f" = 0 ]; then f=1; fi
			PASS=$((PASS + p)); FAIL=$((FAIL + f))
			if [ $st != 0 ]; then
				tail -20 "$log"
				[ -f "$diffs" ] && { echo "---- $diffs"; cat "$diffs"; }
			fi
		done ;;
	pgtap)
		[ -n "${OT_CLUSTER_DIR:-}" ] || ot_cluster_start
		section "pgTAP (pg_prove)"
		for t in test/pgtap/*.sql; do
			name=$(basename "$t" .sql)
			log=$LOGDIR/pgtap-$name.log
			db=ot_tap_$name
			if ot_fresh_db "$db" -c "CREATE EXTENSION pgtap" >"$log" 2>&1; then
				pg_prove -v -d "$db" "$t" >>"$log" 2>&1
				st=$?
			else st=1; fi
			tally_tap "$log" $st "$name"
		done ;;
	scripts)
		[ -n "${OT_CLUSTER_DIR:-}" ] || ot_cluster_start
		section "scripted tests"
		for t in test/scripts/*.sh; do
			name=$(basename "$t" .sh)
			# OT_SCRIPTS="a b" runs only those scripts
			case " ${OT_SCRIPTS:-$name} " in *" $name "*) ;; *) continue ;; esac
			log=$LOGDIR/script-$name.log
			bash "$t" >"$log" 2>&1
			st=$?
			grep -E '^#' "$log"
			tally_tap "$log" $st "$name"
			# a script that stopped the cluster leaves it for the next to start
			[ -f "$OT_CLUSTER_DIR/data/postmaster.pid" ] || ot_cluster_ctl start
		done ;;
	docs)
		section "README.md's examples, run as written"
		run_summarised test/docs/run.sh docs ;;
	versions)
		section "PostgreSQL 17 and 18, each in a Debian root of its own"
		run_summarised test/versions.sh versions ;;
	citus)
		section "Citus: a coordinator and two workers, distributed by shop"
		run_summarised test/citus.sh citus ;;
	*) echo "unknown suite $suite"; FAIL=$((FAIL + 1)) ;;
	esac
done

echo "logs: $LOGDIR"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
