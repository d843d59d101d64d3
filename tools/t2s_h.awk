# tools/t2s_h.awk: data/t2s.tsv as a C table for src/ot_text.c (make builds
# src/ot_t2s.h with it): pairs of code points, traditional then simplified,
# sorted by the traditional one.
BEGIN {
	print "/* src/ot_t2s.h: built by make from data/t2s.tsv (edit that file) */"
	print "static const unsigned short ot_t2s[][2] = {"
}
/^#/ { next }
NF >= 2 { printf "\t{0x%s, 0x%s},\n", $1, $2 }
END { print "};" }
