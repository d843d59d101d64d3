/*
 * fuzz_unit.c
 *	  libFuzzer target for unit detection with the shipped words
 *	  (data/unit_keywords.tsv, read from the repository root at start-up).
 *
 * Beyond memory safety: the same address always gives the same answer, and
 * an address that names a unit still does with text appended after it
 * (every rule looks only at the text around the word it found, and a word
 * at the end can only gain a following number).
 */
#include "ot_text.h"
#include "ot_unit.h"
#include "load_units.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static ot_units *units;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	units = ot_units_new();
	if (units == NULL || load_units(units, "data/unit_keywords.tsv") < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char	   *folded = malloc(size + 16);
	size_t		n = ot_text_fold((const char *) data, size, folded);
	bool		named = ot_units_named(units, folded, n);

	if (named != ot_units_named(units, folded, n))
		abort();
	/* a clause after the address does not take its unit away */
	memcpy(folded + n, "，谢谢", strlen("，谢谢"));
	if (named && !ot_units_named(units, folded, n + strlen("，谢谢")))
		abort();
	free(folded);
	return 0;
}
