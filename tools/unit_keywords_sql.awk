# tools/unit_keywords_sql.awk: data/unit_keywords.tsv -> the INSERT of the
# shipped unit words (used by the Makefile to build the install and upgrade
# scripts).  -v target=TABLE names the table (ordertrack.address_unit_keywords).
BEGIN {
	FS = "\t"
	if (target == "")
		target = "ordertrack.address_unit_keywords"
	print "INSERT INTO " target " (keyword, rule, origin) VALUES"
	n = 0
}
/^#( |$)/ { next }
NF == 3 {
	if ($1 ~ /'/ || $2 !~ /^[a-z_]+$/) {
		print "bad row: " $0 > "/dev/stderr"
		exit 1
	}
	if (n++ > 0)
		printf ",\n"
	printf "\t('%s', '%s', 'shipped')", $1, $2
}
END { print ";" }
