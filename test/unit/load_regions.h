/*
 * load_regions.h
 *	  Loads data/regions.tsv into an ot_regions set, for the region unit
 *	  test and fuzz target (both run from the repository root).
 */
#ifndef OT_LOAD_REGIONS_H
#define OT_LOAD_REGIONS_H

#include "ot_region.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds every row of the TSV file; returns the row count, or -1. */
static int
load_regions(ot_regions *rs, const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[1024];
	int			n = 0;

	if (f == NULL)
		return -1;
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
		{
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}

#endif							/* OT_LOAD_REGIONS_H */
