# tools/regions_sql.awk: data/regions.tsv -> the INSERT of the shipped regions
# (used by the Makefile to build the install and upgrade scripts; -v
# target=TABLE names the table, ordertrack.regions by default).
BEGIN {
	if (target == "")
		target = "ordertrack.regions"
	FS = "\t"
	print "INSERT INTO " target " (code, level, parent_code, name, short_names, placeholder, origin) VALUES"
	n = 0
}
/^#/ { next }
NF == 6 {
	if (n++ > 0)
		printf ",\n"
	parent = ($3 == "") ? "NULL" : $3
	printf "\t(%s, %s, %s, '%s', '{%s}', %s, 'shipped')", $1, $2, parent, $4, $5, ($6 == "t") ? "true" : "false"
}
END { print ";" }
