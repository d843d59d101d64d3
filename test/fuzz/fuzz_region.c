/*
 * fuzz_region.c
 *	  libFuzzer target for region recognition over the shipped divisions
 *	  (data/regions.tsv, read from the repository root at start-up).
 *
 * Beyond memory safety: a recognised district lies in the recognised city,
 * the city in the province; nothing below an unrecognised level is set; the
 * same address always gives the same answer.
 */
#include "ot_region.h"
#include "ot_text.h"
#include "load_regions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static ot_regions *rs;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	rs = ot_regions_new();
	if (rs == NULL || load_regions(rs, "data/regions.tsv") < 0 || !ot_regions_build(rs))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char	   *folded = malloc(size + 1);
	size_t		n = ot_text_fold((const char *) data, size, folded);
	ot_region_match m = ot_regions_match(rs, folded, n);
	ot_region_match again = ot_regions_match(rs, folded, n);

	if (memcmp(&m, &again, sizeof m) != 0)
		abort();
	if ((m.province == 0 && (m.city || m.district)) || (m.city == 0 && m.district))
		abort();
	/* GB/T 2260: a code's first digits are its parents' */
	if (m.province && m.province % 10000 != 0)
		abort();
	if (m.city && m.city / 10000 != m.province / 10000)
		abort();
	if (m.district && m.district / 100 != m.city / 100)
		abort();
	free(folded);
	return 0;
}
