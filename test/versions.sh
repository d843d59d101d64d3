#!/usr/bin/env bash
# Builds ordertrack and runs its database suites on the other supported
# PostgreSQL versions, each in a Debian root of its own that has it: 17 from
# Debian 13 (trixie), 18 from Debian's unstable (sid).  Ends with one line
# "N passed, N failed".
#
#   bash test/versions.sh                   17 and 18
#   OT_VERSIONS=18 bash test/versions.sh    one of them
#
# A root is built once per machine with debootstrap, in
# /var/lib/ordertrack-roots/pgN (OT_ROOTS overrides), and reused by later runs:
# the first build takes about five minutes, later runs only copy the checkout
# in.  Needs root (debootstrap, chroot, mount).
#
# Inside a root this runs test/run.sh with PGVER=N: the build under
# -Wall -Wextra -Werror, pg_regress and the isolation specs, every pgTAP
# suite, and the crash, dump/restore, binary COPY, intake-path and NOTIFY
# (doorbell) scripts.
set -u
cd "$(dirname "$0")/.."
. test/lib.sh

VERSIONS=${OT_VERSIONS:-"17 18"}
ROOTS=${OT_ROOTS:-/var/lib/ordertrack-roots}
SUITES_IN_ROOT=${OT_VERSION_SUITES:-"regress pgtap scripts"}
SCRIPTS_IN_ROOT="crash_restart dump_restore binary_copy intake_path doorbell"
PASS=0
FAIL=0
MOUNTED=()

# the Debian suite whose packages carry PostgreSQL N
suite_for() {
	case $1 in
	17) echo trixie ;;
	18) echo sid ;;
	*) return 1 ;;
	esac
}

# the mirror the machine's own apt uses, else Debian's
mirror() {
	local m
	m=$(grep -hoE '^(URIs:|deb) +https?://[^ ]*/debian/?( |$)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
		grep -oE 'https?://[^ ]*' | head -1)
	echo "${m:-http://deb.debian.org/debian}"
}

unmount_all() {
	local m
	for m in "${MOUNTED[@]}"; do umount "$m" 2>/dev/null || umount -l "$m"; done
	MOUNTED=()
}
trap unmount_all EXIT

in_root() {
	local root=$1; shift
	chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

# Makes (or finishes) the root for version N; a root that is ready is marked
# so, and a half-built one is built again.
ensure_root() {
	local ver=$1 root=$ROOTS/pg$1 suite
	[ -f "$root/.ordertrack-ready" ] && return 0
	suite=$(suite_for "$ver") || { echo "# no Debian suite known for PostgreSQL $ver"; return 1; }
	echo "# building a Debian $suite root for PostgreSQL $ver in $root"
	OT_PACKAGES=debootstrap ot_install_packages || return 1
	rm -rf "$root"
	mkdir -p "$ROOTS"
	# (once more after a failure: a mirror may drop a connection)
	debootstrap --variant=minbase "$suite" "$root" "$(mirror)" >"$ROOTS/pg$ver-debootstrap.log" 2>&1 ||
	{ rm -rf "$root"; debootstrap --variant=minbase "$suite" "$root" "$(mirror)" >>"$ROOTS/pg$ver-debootstrap.log" 2>&1; } || {
		tail -20 "$ROOTS/pg$ver-debootstrap.log"; return 1; }
	# a development suite's Release file may be past its Valid-Until on a mirror
	echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99ordertrack"
	echo 'APT::Install-Recommends "false";' >>"$root/etc/apt/apt.conf.d/99ordertrack"
	# packages' services stay stopped: the tests start their own clusters
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	copy_tree "$root"
	mount_root "$root" || return 1
	in_root "$root" bash -c "cd /build && PGVER=$ver DEBIAN_FRONTEND=noninteractive bash -c '. test/lib.sh && ot_install_packages'" || return 1
	unmount_all
	touch "$root/.ordertrack-ready"
}

# the checkout's files (tracked ones, as they are now) into ROOT/build
copy_tree() {
	local root=$1
	rm -rf "$root/build"
	mkdir -p "$root/build"
	{ git ls-files -z 2>/dev/null || find . -path ./.git -prune -o -type f -print0; } |
		tar --null -cf - -T - | tar -xf - -C "$root/build"
}

mount_root() {
	local root=$1
	mount -t proc proc "$root/proc" && MOUNTED+=("$root/proc") &&
	mount --bind /dev "$root/dev" && MOUNTED+=("$root/dev")
}

if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then exec sudo -E bash "$0" "$@"; fi
[ "$(id -u)" = 0 ] || { echo "test/versions.sh needs root (debootstrap, chroot)"; echo "0 passed, 1 failed"; exit 1; }

port=54600
for ver in $VERSIONS; do
	echo "== PostgreSQL $ver"
	root=$ROOTS/pg$ver
	if ! ensure_root "$ver"; then
		unmount_all
		echo "not ok - a Debian root with PostgreSQL $ver"
		FAIL=$((FAIL + 1)); continue
	fi
	copy_tree "$root"
	mount_root "$root" || { FAIL=$((FAIL + 1)); continue; }
	log=$(mktemp /tmp/ordertrack-versions-$ver.XXXXXX)
	in_root "$root" bash -c "cd /build && PGVER=$ver OT_PORT=$port OT_SUITES='$SUITES_IN_ROOT' \
		OT_SCRIPTS='$SCRIPTS_IN_ROOT' bash test/run.sh" 2>&1 | tee "$log" | grep -vE '^[[:space:]]*ok [0-9]'
	unmount_all
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	if [ -n "$line" ]; then
		p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed}
	else
		p=0; f=1
	fi
	echo "# PostgreSQL $ver ($(in_root "$root" /usr/lib/postgresql/$ver/bin/postgres --version)): $p passed, $f failed"
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
	port=$((port + 1))
done

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
