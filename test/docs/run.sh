#!/usr/bin/env bash
# The docs suite: runs README.md's examples in order, as written, on a
# cluster of its own (test/docs/examples.py says how), and ends with
# "N passed, N failed".  Runs as root, as the README's commands do.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

if [ "$(id -u)" != 0 ]; then
	echo "# the README's commands are a root's (sudo, runuser): run the docs suite as root"
	echo "0 passed, 1 failed"; exit 1
fi
command -v python3 >/dev/null || {
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null; } || {
	echo "0 passed, 1 failed"; exit 1; }

export OT_PORT=$(( ${OT_PORT:-54329} + 20 ))
unset OT_CLUSTER_DIR
trap 'ot_cluster_destroy; rm -f /tmp/shop.dump /tmp/shop.sql' EXIT
ot_cluster_start || { echo "0 passed, 1 failed"; exit 1; }
export OT_DOCS_CLUSTER_DIR=$OT_CLUSTER_DIR OT_DOCS_CLUSTER_OPTS=$OT_CLUSTER_OPTS
export OT_DOCS_SPARE_PORT=$((OT_PORT + 1)) PGBIN
export PATH=$PWD/test/docs/shims:$PATH
# first the runner itself: selftest.md's wrong examples must fail, the others pass
selftest=$(OT_DOCS_DB=postgres python3 test/docs/examples.py test/docs/selftest.md 2>&1)
want=$(sed -n 's/.*summary must be "\(.*\)".*/\1/p' test/docs/selftest.md)
got=$(echo "$selftest" | tail -1)
if [ -n "$want" ] && [ "$got" = "$want" ]; then self_ok=1; echo "# self-test: $got, as selftest.md says"
else self_ok=0; echo "# self-test: got \"$got\", selftest.md says \"$want\""; echo "$selftest" | sed 's/^/#   /'; fi

# adds the "N passed, N failed" that ends LOG to p and f (no such line: 1 failed)
p=0 f=0
add_summary() {
	local summary lp lf
	summary=$(tail -1 "$1")
	lp=${summary%% passed*}; lf=${summary#*passed, }; lf=${lf%% failed}
	case "$lp$lf" in *[!0-9]*|"") lp=0; lf=1 ;; esac
	p=$((p + lp)); f=$((f + lf))
}

python3 test/docs/examples.py README.md | tee "$OT_DOCS_CLUSTER_DIR/readme.log"
add_summary "$OT_DOCS_CLUSTER_DIR/readme.log"
if [ $self_ok = 1 ]; then echo "ok - the runner fails selftest.md's wrong examples"; p=$((p + 1))
else echo "not ok - the runner fails selftest.md's wrong examples"; f=$((f + 1)); fi

# README.md's Reference names every object of the installed extension
python3 test/docs/reference.py README.md | tee "$OT_DOCS_CLUSTER_DIR/reference.log"
add_summary "$OT_DOCS_CLUSTER_DIR/reference.log"
# and it fails when the Reference leaves a name out: a function, a table and
# a setting, each taken out of every code span of the Reference in turn
for name in lookup carrier_shipments ordertrack.pick_grace; do
	if out=$(python3 test/docs/reference.py README.md --leave-out "$name") ||
		! echo "$out" | grep -qE "^#   missing: (.*, )?$name(,|\$)"; then
		echo "not ok - the reference check fails when the Reference leaves out $name"
		echo "$out" | sed 's/^/#   /'; f=$((f + 1))
	else echo "ok - the reference check fails when the Reference leaves out $name"; p=$((p + 1)); fi
done
echo "$p passed, $f failed"
[ "$f" = 0 ]
