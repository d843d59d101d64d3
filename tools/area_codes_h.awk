# tools/area_codes_h.awk: data/cn_area_codes.tsv as a C table for
# src/ot_phone.c (make builds src/ot_area_codes.h with it).  Each row: an
# area code, a bit set of its local number lengths (bit n: n digits) and one
# of the digits its local numbers may start with (bit d: digit d).
BEGIN {
	print "/* src/ot_area_codes.h: built by make from data/cn_area_codes.tsv (edit that file) */"
	print "static const struct area_code_entry {"
	print "\tunsigned short code;"
	print "\tunsigned short lengths;"
	print "\tunsigned short firsts;"
	print "} ot_area_codes[] = {"
}
/^#/ { next }
NF >= 2 {
	n = split($2, l, ",")
	mask = 0
	for (i = 1; i <= n; i++) mask += 2 ^ l[i]
	first = 0
	for (i = 1; i <= length($3); i++) first += 2 ^ substr($3, i, 1)
	printf "\t{%d, %d, %d},\n", $1, mask, first
}
END { print "};" }
