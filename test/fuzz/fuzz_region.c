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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static ot_regions *rs;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE	   *f = fopen("data/regions.tsv", "r");
	char		line[1024];

	(void) argc;
	(void) argv;
	rs = ot_regions_new();
	if (f == NULL || rs == NULL)
		abort();
	while (fgets(line, sizeof line, f))
	{
		char	   *field[6];
		char	   *p = line;
		int			k;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (k = 0; k < 6 && p; k++)
		{
			field[k] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (k != 6 || !ot_regions_add(rs, atoi(field[0]), atoi(field[2]), atoi(field[1]),
									  field[5][0] == 't', field[3], strlen(field[3]),
									  field[4], strlen(field[4])))
			abort();
	}
	fclose(f);
	if (!ot_regions_build(rs))
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
