#!/usr/bin/env bash
# test/bench/profile.sh: where intake's instructions go, against A and A+.
#
#   bash test/bench/profile.sh          (from the repository root)
#
# Loads the intake benchmarks' data (test/bench/lib.sh: 200,000 orders of
# history, and the plain tables of A and A+), stops the server, and runs it
# in single-user mode under callgrind on a copy of the data, one
# transaction per order, for OT_PROFILE_ORDERS (200) orders of 3 lines each
# (the same orders in every run):
#   A           the order and its lines into plain tables;
#   A+          the same, plus the writes intake makes anyway: its event
#               into plain.events and the order's verdict (an UPDATE);
#   ordertrack  the order and its lines into ordertrack's tables (intake on).
# Each order is two statements, as in the pgbench scripts (A+ writes its
# event and verdict in the statement of the lines).  Each is counted at two
# sizes (20 and 20 + N orders) and the difference divided by N, so that
# start-up and first-use costs cancel out: the instructions per order,
# which are the same for the same code and data whatever else the machine
# does.  Then ordertrack's per order, counted the same way function by
# function: the functions with the most instructions of their own, and
# with what they call (OT_PROFILE_TOP lines, 25); by object (postgres,
# ordertrack.so, libc); and ordertrack's own by source file.  The callgrind files stay in
# OT_PROFILE_OUT when it is set.
set -eu
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

N=${OT_PROFILE_ORDERS:-200}
TOP=${OT_PROFILE_TOP:-25}
ot_install_packages
command -v valgrind >/dev/null || ot_as_root apt-get install -y valgrind >/dev/null
ot_build_install
work=$(mktemp -d)
chmod 755 "$work"
trap 'ot_cluster_destroy; rm -rf "$work"' EXIT INT TERM
db=ot_bench_profile
bench_cluster_start
ot_fresh_db $db
echo "# loading products and 200,000 recent orders"
bench_load_history $db
bench_plain $db
ot_psql -d $db -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
ot_cluster_ctl stop
cp -a "$OT_CLUSTER_DIR/data" "$work/snap"
chown "$(ot_cluster_user)" "$work"

# One transaction per order, in two statements as the pgbench script has
# them: the order; then its lines (and for A+, in the same statement, the
# event and the order's verdict).  schema kind first last
orders_sql() {
	awk -v s="$1" -v k="$2" -v first="$3" -v last="$4" 'BEGIN { q = "\047"; id = "(SELECT currval(" q s ".orders_order_id_seq" q "))";
		for (i = first; i <= last; i++) { a = (i * 7919) % 50000 + 1; shop = q "s" a % 10 q; ref = q "cg" i q;
		printf "BEGIN;\n";
		printf "INSERT INTO %s.orders (shop, external_ref, account, recipient, phone, address, remarks)" \
			" VALUES (%s, %s, %s, %s, %s, %s, %s);\n", s, shop, ref, q "acc" a q, q "张三" q, q "138 1234 5678" q,
			q "北京市朝阳区建国路88号3号楼2单元501室" q, q "周末配送，加冰袋" q;
		lines = sprintf("INSERT INTO %s.order_lines (shop, order_id, sku, title, spec, colour, quantity)" \
			" SELECT %s, %s, %s || n, %s || n, %s, %s, q FROM (VALUES (%d, 1), (%d, 2), (%d, 1)) v(n, q)",
			s, shop, id, q "SKU-" q, q "product " q, q "M" q, q "blue" q,
			(i * 31) % 1000 + 1, (i * 37) % 1000 + 1, (i * 41) % 1000 + 1);
		if (k != "plus")
			printf "%s;\n", lines;
		else
			printf "WITH l AS (%s), e AS (INSERT INTO plain.events (shop, topic, kind, order_id, payload)" \
				" VALUES (%s, %s, %s, %s, jsonb_build_object(%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s::jsonb)))" \
				" UPDATE plain.orders SET service_requirements = %s, skus = ARRAY[%s, %s, %s], intake_checked_at = now()" \
				" WHERE shop = %s AND order_id = %s;\n", lines, shop, q "intake" q, q "order_received" q, id,
				q "order_id" q, id, q "external_ref" q, ref, q "stage" q, q "received" q,
				q "service_requirements" q, q "[\"weekend_delivery\", \"cold_chain\"]" q, q "flags" q,
				q "[\"special_request\"]" q, q "{weekend_delivery,cold_chain}" q,
				q "SKU-" (i * 31) % 1000 + 1 q, q "SKU-" (i * 37) % 1000 + 1 q, q "SKU-" (i * 41) % 1000 + 1 q, shop, id;
		printf "COMMIT;\n" } }'
}

# schema kind orders -> instructions of the whole single-user run (callgrind file kept as $work/<kind>-<orders>)
instructions() {
	local out=$work/$2-$3
	rm -rf "$work/run"
	cp -a "$work/snap" "$work/run"
	{ orders_sql "$1" "$2" 1 "$3"
	  echo "SELECT count(*) AS unchecked FROM ordertrack.orders WHERE external_ref LIKE 'cg%' AND intake_checked_at IS NULL;"
	} >"$work/cg.sql"
	ot_run_as_owner valgrind -q --tool=callgrind --callgrind-out-file="$out" \
		"$PGBIN/postgres" --single -D "$work/run" -c shared_preload_libraries=ordertrack \
		-c ordertrack.notify=commit -c fsync=off $db <"$work/cg.sql" >"$work/cg.log" 2>&1 ||
		{ cat "$work/cg.log" >&2; return 1; }
	! grep -q ERROR "$work/cg.log" && grep -q 'unchecked = "0"' "$work/cg.log" ||
		{ grep -E 'ERROR|unchecked' "$work/cg.log" | head -5 >&2; return 1; }
	sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out" | head -1
}

echo "# counting instructions under callgrind: 20 and $((20 + N)) orders each"
declare -A per=()
for kind in plain plus ordertrack; do
	schema=$([ $kind = ordertrack ] && echo ordertrack || echo plain)
	i1=$(instructions $schema $kind 20)
	i2=$(instructions $schema $kind $((20 + N)))
	per[$kind]=$(((i2 - i1) / N))
done
printf '\n%-44s %12s %10s\n' "instructions per order" "" "/ A+"
for kind in plain plus ordertrack; do
	label=$(case $kind in plain) echo "A (order and lines, plain tables)" ;; plus) echo "A+ (A, its event and verdict)" ;;
		*) echo "ordertrack (intake on, notify=commit)" ;; esac)
	awk -v l="$label" -v n="${per[$kind]}" -v p="${per[plus]}" 'BEGIN { printf "%-44s %12d %10.3f\n", l, n, n / p }'
done

# ordertrack's profile per order: each function's instructions at the
# larger size less those at the smaller, divided by N, so that start-up
# and first-use costs (the settings, the catalogue, the keyword automata)
# cancel out.  (PostgreSQL's static functions show as addresses: Debian
# ships its symbols apart.)
per_function() {	# kind, inclusive yes|no -> "instructions-per-order function" lines, most first
	local f
	for f in "$work/$1-20" "$work/$1-$((20 + N))"; do
		# "count (share) file:function [object]", file names as callgrind found them
		callgrind_annotate --auto=no --inclusive="$2" --threshold=100 "$f" 2>/dev/null |
			sed -nE 's/^ *([0-9,]+) +\( *[0-9.]+%\) +(.*[^ ]) *$/\1\t\2/p' | grep -v 'PROGRAM TOTALS' |
			sed -E 's/,//g; s#\t/work/main/#\t#; s#\t[^\t]*/src/#\tsrc/#' | sed "s#^#$f\t#"
	done | awk -F'\t' -v big="$work/$1-$((20 + N))" -v n="$N" '
		{ if ($1 == big) b[$3] += $2; else a[$3] += $2 }
		END { for (k in b) { d = (b[k] - a[k]) / n; if (d >= 1000) printf "%10.0f  %s\n", d, k } }' | sort -rn
}
echo
echo "# ordertrack: instructions per order by function, their own (top $TOP)"
per_function ordertrack no | head -"$TOP"
echo
echo "# ordertrack: instructions per order by function, with what they call (top $TOP)"
per_function ordertrack yes | head -"$TOP"
echo
echo "# ordertrack: instructions per order by object, their functions' own"
per_function ordertrack no | awk '{ o = $NF; gsub(/[][]/, "", o); sub(/.*\//, "", o); t[o] += $1 }
	END { for (o in t) printf "%10.0f  %s\n", t[o], o }' | sort -rn
echo
echo "# ordertrack's own code: instructions per order by source file"
per_function ordertrack no | awk '$NF ~ /ordertrack\.so/ { f = $2; sub(/:.*/, "", f); sub(/.*\//, "", f); t[f] += $1 }
	END { for (f in t) printf "%10.0f  %s\n", t[f], f }' | sort -rn
if [ -n "${OT_PROFILE_OUT:-}" ]; then
	mkdir -p "$OT_PROFILE_OUT"
	cp "$work"/plain-* "$work"/plus-* "$work"/ordertrack-* "$OT_PROFILE_OUT"/
	echo "# callgrind files in $OT_PROFILE_OUT"
fi
