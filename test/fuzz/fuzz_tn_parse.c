/*
 * fuzz_tn_parse.c
 *	  libFuzzer target for the tracking-number parser (tn_parse).
 *
 *	  make test/fuzz/fuzz_tn_parse
 *	  test/fuzz/fuzz_tn_parse -max_total_time=60 test/fuzz/seeds
 *
 * Besides memory safety (AddressSanitizer, UndefinedBehaviorSanitizer) it
 * checks that an accepted input is a valid number and that the bare and
 * grouped forms of it parse back to the same value.
 */
#include "tn_digits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	uint64_t	v = 0;
	uint64_t	w = 0;
	tn_parse_result r = tn_parse((const char *) data, size, &v);
	char		bare[TN_NDIGITS + 1];
	char		grouped[TN_NDIGITS + 4];

	if (r.status == TN_BAD_CHAR && r.offset >= size)
		abort();
	if (r.status != TN_OK)
		return 0;
	if (!tn_valid(v))
		abort();
	tn_format(v, bare);
	if (tn_parse(bare, TN_NDIGITS, &w).status != TN_OK || w != v)
		abort();
	snprintf(grouped, sizeof grouped, "%.4s-%.4s-%.4s-%.4s", bare, bare + 4, bare + 8, bare + 12);
	if (tn_parse(grouped, strlen(grouped), &w).status != TN_OK || w != v)
		abort();
	return 0;
}
