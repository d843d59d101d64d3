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
# Each is counted at two sizes (20 and 20 + N orders) and the difference
# divided by N, so that start-up and first-use costs cancel out: the
# instructions per order, which are the same for the same code and data
# whatever else the machine does.  Then, for ordertrack, the functions
# with the most instructions of their own and the ones whose calls cost
# the most in all (callgrind_annotate, OT_PROFILE_TOP lines, 25), and the
# files under src/ with their share.  The callgrind files stay in
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

orders_sql() {	# schema kind first last -> one transaction per order
	awk -v s="$1" -v k="$2" -v first="$3" -v last="$4" 'BEGIN { q = "\047";
		for (i = first; i <= last; i++) { a = (i * 7919) % 50000 + 1; shop = q "s" a % 10 q; ref = q "cg" i q;
		printf "BEGIN;\n";
		printf "WITH o AS (INSERT INTO %s.orders (shop, external_ref, account, recipient, phone, address, remarks)" \
			" VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING shop, order_id)" \
			" INSERT INTO %s.order_lines (shop, order_id, sku, title, spec, colour, quantity)" \
			" SELECT o.shop, o.order_id, %s || s, %s || s, %s, %s, q FROM o, (VALUES (%d, 1), (%d, 2), (%d, 1)) v(s, q);\n",
			s, shop, ref, q "acc" a q, q "张三" q, q "138 1234 5678" q, q "北京市朝阳区建国路88号3号楼2单元501室" q,
			q "周末配送，加冰袋" q, s, q "SKU-" q, q "product " q, q "M" q, q "blue" q,
			(i * 31) % 1000 + 1, (i * 37) % 1000 + 1, (i * 41) % 1000 + 1;
		if (k == "plus") {
			printf "INSERT INTO plain.events (shop, topic, kind, order_id, payload) SELECT shop, %s, %s, order_id," \
				" jsonb_build_object(%s, order_id, %s, external_ref, %s, %s, %s, %s::jsonb, %s, %s::jsonb)" \
				" FROM plain.orders WHERE shop = %s AND external_ref = %s;\n",
				q "intake" q, q "order_received" q, q "order_id" q, q "external_ref" q, q "stage" q, q "received" q,
				q "service_requirements" q, q "[\"weekend_delivery\", \"cold_chain\"]" q, q "flags" q,
				q "[\"special_request\"]" q, shop, ref;
			printf "UPDATE plain.orders SET service_requirements = %s, skus = ARRAY[%s, %s, %s], intake_checked_at = now()" \
				" WHERE shop = %s AND external_ref = %s;\n", q "{weekend_delivery,cold_chain}" q,
				q "SKU-" (i * 31) % 1000 + 1 q, q "SKU-" (i * 37) % 1000 + 1 q, q "SKU-" (i * 41) % 1000 + 1 q, shop, ref;
		}
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

# ordertrack's profile: the difference between the two sizes, so that only
# the orders' own cost shows.
big=$work/ordertrack-$((20 + N))
echo
echo "# ordertrack, $((20 + N)) orders: functions by their own instructions (top $TOP)"
callgrind_annotate --threshold=100 "$big" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n "3,$((TOP + 2))p"
echo
echo "# ordertrack, $((20 + N)) orders: functions by the instructions of their calls, inclusive (top $TOP)"
callgrind_annotate --inclusive=yes --threshold=100 "$big" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n "3,$((TOP + 2))p"
echo
echo "# ordertrack's own code (src/), by file: instructions of its functions' own"
callgrind_annotate --threshold=100 "$big" 2>/dev/null |
	awk '/ordertrack\.so/ || /src\/[a-z_]*\.c:/ { gsub(/,/, "", $1); n = $1; f = $2; sub(/:.*/, "", f); t[f] += n }
		END { for (f in t) printf "%14d  %s\n", t[f], f }' | sort -rn | head -20
if [ -n "${OT_PROFILE_OUT:-}" ]; then
	mkdir -p "$OT_PROFILE_OUT"
	cp "$work"/plain-* "$work"/plus-* "$work"/ordertrack-* "$OT_PROFILE_OUT"/
	echo "# callgrind files in $OT_PROFILE_OUT"
fi
