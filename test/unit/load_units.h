/*
 * load_units.h
 *	  Loads data/unit_keywords.tsv into an ot_units rule set, for the unit
 *	  tests and the fuzz target (run from the repository root).
 */
#ifndef OT_LOAD_UNITS_H
#define OT_LOAD_UNITS_H

#include "ot_text.h"
#include "ot_unit.h"

#include <stdio.h>
#include <string.h>

/* Adds every row of the TSV file and builds; returns the row count, or -1. */
static int
load_units(ot_units *u, const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[512];
	int			n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
	{
		char	   *tab1,
				   *tab2;
		char		folded[256];
		int			rule;
		size_t		len;

		if ((line[0] == '#' && (line[1] == ' ' || line[1] == '\n')) || line[0] == '\n')
			continue;
		tab1 = strchr(line, '\t');
		tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (tab2 == NULL || (size_t) (tab1 - line) >= sizeof folded)
		{
			fclose(f);
			return -1;
		}
		*tab1 = *tab2 = '\0';
		rule = ot_unit_rule_parse(tab1 + 1);
		len = ot_text_fold(line, strlen(line), folded);
		if (rule < 0 || !ot_units_add(u, folded, len, (ot_unit_rule) rule))
		{
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return ot_units_build(u) ? n : -1;
}

#endif							/* OT_LOAD_UNITS_H */
