#!/usr/bin/env bash
# The packaging is consistent and every release upgrades to the current one:
# - ordertrack.control's default_version equals the Makefile's EXTVERSION and
#   CREATE EXTENSION installs it (a base script plus upgrade scripts);
# - from every version that has an install script, CREATE EXTENSION at that
#   version then ALTER EXTENSION UPDATE reaches default_version through the
#   ordertrack--A--B.sql chain, with the same objects, columns and comments
#   as a fresh install.
# Needs the cluster from test/run.sh (PG* set).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" ordertrack.control)
makever=$(sed -n 's/^EXTVERSION *= *//p' Makefile)
ot_is "$default" "$makever" "default_version in ordertrack.control matches EXTVERSION in the Makefile"

# What a database holds of the extension, as text to compare.
describe() {
	ot_val "$1" "
	SELECT string_agg(x, E'\n' ORDER BY x) FROM (
		SELECT pg_describe_object(classid, objid, 0) || ' / ' ||
			   coalesce(obj_description(objid, (SELECT relname FROM pg_class WHERE oid = classid)), '-') AS x
		  FROM pg_depend WHERE deptype = 'e'
		   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ordertrack')
		UNION ALL
		SELECT a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
			   ' / ' || coalesce(col_description(a.attrelid, a.attnum), '-')
		  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		 WHERE c.relnamespace = 'ordertrack'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped) s"
}

"$PGBIN/dropdb" --if-exists ot_fresh
"$PGBIN/createdb" ot_fresh && ot_psql -d ot_fresh -c "CREATE EXTENSION ordertrack"
fresh=$(describe ot_fresh)
ot_is "$(ot_val ot_fresh "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'")" "$default" \
	"CREATE EXTENSION installs version $default"
# every upgrade script in the package is on a path that ends at default_version
ot_is "$(ot_val ot_fresh "SELECT count(*) FROM pg_extension_update_paths('ordertrack')
	WHERE target = '$default' AND path IS NULL AND source <> '$default'")" 0 \
	"every released version upgrades to $default"

for script in ordertrack--*.sql; do
	v=${script#ordertrack--}; v=${v%.sql}
	case $v in *--*) continue ;; esac		# an upgrade script, not an install script
	[ "$v" = "$default" ] && continue
	# this install script and the chain after it must equal a fresh install
	"$PGBIN/dropdb" --if-exists ot_upgrade
	"$PGBIN/createdb" ot_upgrade
	ot_psql -d ot_upgrade -c "CREATE EXTENSION ordertrack VERSION '$v'" -c "ALTER EXTENSION ordertrack UPDATE"
	ot_is "$(ot_val ot_upgrade "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'")" "$default" \
		"$v upgrades to $default"
	ot_is "$(describe ot_upgrade)" "$fresh" "$v upgraded to $default has the objects, columns and comments of a fresh install"
	"$PGBIN/dropdb" ot_upgrade
done
ot_is "$(ot_val ot_fresh "SELECT count(*) FROM pg_available_extension_versions WHERE name = 'ordertrack' AND version = '$default'")" 1 \
	"the server lists version $default"
"$PGBIN/dropdb" ot_fresh
ot_done
