#!/usr/bin/env bash
# test/bench/tracking_no.sh: benchmark of ordertrack.tracking_no against the
# built-in equivalents it replaces.
#
#   bash test/bench/tracking_no.sh          (from the repository root)
#
# Installs missing packages, builds and installs the extension, starts a
# throwaway cluster (destroyed on exit) and a fresh database, then measures:
#   a. issuing 1,000,000 numbers with ordertrack.issue_tracking_no()
#      against nextval() on a plain sequence             (target ratio <= 3.0)
#   b. text input: 1,000,000 valid texts cast to tracking_no
#      against the same texts cast to bigint             (target ratio <= 2.0)
#   c. text output: 1,000,000 tracking_no values cast to text
#      against the same values as bigint cast to text    (target ratio <= 2.0)
# and prints, for each, the median time of both sides, their ratio and whether
# the target is met.  It exits 0 whatever the ratios: non-zero means that
# something failed to run.
#
# Environment: OT_BENCH_RUNS (timed runs per side, default 5, after one
# warm-up run per side), OT_BENCH_ROWS (default 1000000).
#
# How statements are timed: the server function bench_ms(query, expected)
# reads clock_timestamp() before and after EXECUTE-ing the query in PL/pgSQL
# and returns the difference in milliseconds.  That is server-side wall time
# of exactly one statement (parse, plan, execute), with no client round trip
# or result transfer and, unlike EXPLAIN ANALYZE, no per-node instrumentation
# whose fixed per-row cost would be added to both sides and shrink the ratio.
# The query's count must equal the expected row count, so a side that
# silently did nothing cannot look fast.
#
# Fairness: all runs of one measurement happen in one session, after a
# warm-up of each side (buffers, catalog caches, the issuing key); the sides
# alternate, and the order flips every round (ABBA...) so that drift hits both
# alike.  Each text measurement reads the same table on both sides; the tables
# are VACUUM ANALYZEd (hint bits set, visibility map built) and checkpointed
# before timing, and fit in shared_buffers.  JIT is off (its compile time is
# noise at this size, and inlining would favour one side) and so are parallel
# query (2 cores: workers add scheduling noise; issuing is parallel unsafe
# anyway) and autovacuum.
set -eu
set -o pipefail

cd "$(dirname "$0")/../.."
. test/lib.sh

RUNS=${OT_BENCH_RUNS:-5}
ROWS=${OT_BENCH_ROWS:-1000000}
DB=ot_bench

die() { echo "bench: $*" >&2; exit 1; }

# psql on the benchmark database, unaligned, tuples only.
bench_psql() {
	ot_psql -d "$DB" -At -F ' ' "$@"
}

# Installs, builds and starts the cluster with settings for steady timings.
setup_cluster() {
	echo "# packages"
	ot_install_packages || die "could not install packages"
	echo "# build and install"
	ot_build_install || die "build or install failed (run make to see why)"
	echo "# starting a throwaway cluster"
	ot_cluster_start -c shared_buffers=256MB -c jit=off \
		-c max_parallel_workers_per_gather=0 -c autovacuum=off ||
		die "could not start the cluster"
	# (client_min_messages hides dropdb's notice that the database is new)
	PGOPTIONS="-c client_min_messages=warning" ot_fresh_db "$DB" ||
		die "could not create database $DB with the extension"
}

# The timing function and the data sets; see the header for why.
setup_data() {
	echo "# creating $ROWS-row tables"
	bench_psql <<-SQL || die "creating the tables failed"
		CREATE FUNCTION bench_ms(q text, expected bigint) RETURNS float8
		LANGUAGE plpgsql AS \$f\$
		DECLARE
			t0 timestamptz;
			t1 timestamptz;
			n bigint;
		BEGIN
			t0 := clock_timestamp();
			EXECUTE q INTO n;
			t1 := clock_timestamp();
			IF n IS DISTINCT FROM expected THEN
				RAISE EXCEPTION 'bench: % returned %, expected %', q, n, expected;
			END IF;
			RETURN extract(epoch FROM t1 - t0) * 1000;
		END
		\$f\$;

		CREATE SEQUENCE plain_seq;

		CREATE TABLE src AS
			SELECT ordertrack.issue_tracking_no()::text AS t
			FROM generate_series(1, $ROWS);
		CREATE TABLE tbl AS
			SELECT t::ordertrack.tracking_no AS tn, t::bigint AS b FROM src;
		VACUUM ANALYZE src;
		VACUUM ANALYZE tbl;
		CHECKPOINT;
	SQL
	# sanity: both columns hold the same values, and they print the same
	local bad
	bad=$(bench_psql -c "SELECT count(*) FROM tbl WHERE tn::bigint <> b OR tn::text <> b::text")
	[ "$bad" = 0 ] || die "$bad rows of tbl differ between tracking_no and bigint"
	bench_psql -c "SELECT '# src: ' || pg_size_pretty(pg_table_size('src'))
		|| ', tbl: ' || pg_size_pretty(pg_table_size('tbl'))"
}

# Median of numbers given one a line on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) printf "%.3f", v[(NR + 1) / 2]
		else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One timed statement: prints "LABEL MS" when psql runs it.
call() {
	printf "SELECT '%s', bench_ms(\$q\$%s\$q\$, %s);\n" "$1" "$2" "$ROWS"
}

# measure NAME TARGET OT_QUERY BASE_QUERY: one warm-up per side, then RUNS
# rounds alternating the order; appends a result line to RESULTS.
measure() {
	local name=$1 target=$2 q_ot=$3 q_base=$4
	local sql="" i out ot_ms base_ms ratio verdict
	echo "# measuring: $name"
	sql+=$(call warm "$q_ot")$'\n'
	sql+=$(call warm "$q_base")$'\n'
	for ((i = 1; i <= RUNS; i++)); do
		if ((i % 2)); then
			sql+=$(call ot "$q_ot")$'\n'$(call base "$q_base")$'\n'
		else
			sql+=$(call base "$q_base")$'\n'$(call ot "$q_ot")$'\n'
		fi
	done
	out=$(bench_psql <<<"$sql") || die "measurement '$name' failed"
	echo "$out" | awk '$1 != "warm" { printf "#   %-4s %10.1f ms\n", $1, $2 }'
	ot_ms=$(echo "$out" | awk '$1 == "ot" { print $2 }' | median) || die "no timings for '$name'"
	base_ms=$(echo "$out" | awk '$1 == "base" { print $2 }' | median) || die "no timings for '$name'"
	ratio=$(awk -v a="$ot_ms" -v b="$base_ms" 'BEGIN { printf "%.2f", a / b }')
	if awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r <= t) }'; then
		verdict="meets target"
	else
		verdict="MISSES target"
	fi
	RESULTS+=$(printf "%-34s %12.1f %12.1f %7s %8s  %s" "$name" "$ot_ms" "$base_ms" \
		"$ratio" "<= $target" "$verdict")$'\n'
}

print_results() {
	echo
	echo "ordertrack.tracking_no benchmark: $ROWS rows, median of $RUNS runs (ms)"
	printf "%-34s %12s %12s %7s %8s  %s\n" measurement ordertrack baseline ratio target result
	printf "%-34s %12s %12s %7s %8s  %s\n" ---------------------------------- \
		------------ ------------ ------- -------- -------------
	printf "%s" "$RESULTS"
}

main() {
	[[ $RUNS =~ ^[1-9][0-9]*$ && $ROWS =~ ^[1-9][0-9]*$ ]] ||
		die "OT_BENCH_RUNS and OT_BENCH_ROWS must be positive integers"
	trap 'ot_cluster_destroy' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	setup_cluster
	setup_data
	RESULTS=""
	measure "a. issue vs nextval" 3.0 \
		"SELECT count(ordertrack.issue_tracking_no()) FROM generate_series(1, $ROWS)" \
		"SELECT count(nextval('plain_seq')) FROM generate_series(1, $ROWS)"
	measure "b. text input vs bigint" 2.0 \
		"SELECT count(t::ordertrack.tracking_no) FROM src" \
		"SELECT count(t::bigint) FROM src"
	measure "c. text output vs bigint" 2.0 \
		"SELECT count(tn::text) FROM tbl" \
		"SELECT count(b::text) FROM tbl"
	print_results
}

main "$@"
