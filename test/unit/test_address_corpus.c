/*
 * test_address_corpus.c
 *	  Region recognition and unit detection against the labelled corpora
 *	  test/corpus/addresses.tsv and test/corpus/units.tsv (built by
 *	  tools/addresses_corpus.js from the public division data and hand
 *	  labelling).  Run from the repository root.
 *
 * Regions: per written form, the share of addresses whose province, city
 * and district are all what the label says (an empty label field is
 * "unknown": the answer must be empty too), at least 99.5%; and no address
 * anywhere assigned to a province other than the one it names or implies.
 *
 * Units: precision and recall of the flag address_needs_unit (an address
 * labelled as naming no unit is a positive) and of its opposite, each at
 * least 97%; and each category's share of right verdicts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ot_region.h"
#include "ot_text.h"
#include "ot_unit.h"
#include "tap.h"
#include "load_regions.h"
#include "load_units.h"

#define MAX_CATEGORIES 48
#define REGION_TARGET 0.995
#define UNIT_TARGET 0.97
#define SHOW 8					/* wrong rows shown per category */

typedef struct Division
{
	int			code,
				parent,
				level;
	char		name[96];
} Division;

static Division *divisions;
static int	ndivisions;

/* Reads code, level, parent and name of every division of the TSV file. */
static void
load_divisions(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[1024];
	int			cap = 0;

	while (f && fgets(line, sizeof line, f))
	{
		char		name[96];
		int			code,
					level,
					parent = 0;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%d\t%d\t%d\t%95[^\t]", &code, &level, &parent, name) != 4 &&
			sscanf(line, "%d\t%d\t\t%95[^\t]", &code, &level, name) != 3)
			continue;
		if (level == 1)
			parent = 0;
		if (ndivisions == cap)
		{
			cap = cap ? cap * 2 : 4096;
			divisions = realloc(divisions, sizeof(Division) * cap);
		}
		divisions[ndivisions] = (Division) {code, parent, level, ""};
		snprintf(divisions[ndivisions].name, sizeof divisions[0].name, "%s", name);
		ndivisions++;
	}
	if (f)
		fclose(f);
}

/*
 * Code of the division called name at level, below parent (any parent when
 * 0); 0 for an empty name, -1 when there is no such division.
 */
static int
code_of(const char *label, int level, int parent)
{
	char		name[96];
	char	   *bracket;

	/* the data set's 嘉模堂区（氹仔） is 嘉模堂区, with 氹仔 a short name */
	snprintf(name, sizeof name, "%s", label);
	if ((bracket = strstr(name, "（")) != NULL)
		*bracket = '\0';
	if (name[0] == '\0')
		return 0;
	for (int i = 0; i < ndivisions; i++)
		if (divisions[i].level == level && strcmp(divisions[i].name, name) == 0 &&
			(parent == 0 || divisions[i].parent == parent))
			return divisions[i].code;
	return -1;
}

static const char *
name_of(int code)
{
	for (int i = 0; i < ndivisions; i++)
		if (divisions[i].code == code)
			return divisions[i].name;
	return "";
}

typedef struct Category
{
	char		name[64];
	int			rows,
				right,
				wrong_province,
				shown;
	bool		has_unit;
} Category;

static Category *
category(Category *cats, int *ncats, const char *name)
{
	for (int i = 0; i < *ncats; i++)
		if (strcmp(cats[i].name, name) == 0)
			return &cats[i];
	if (*ncats == MAX_CATEGORIES)
		return NULL;
	memset(&cats[*ncats], 0, sizeof(Category));
	snprintf(cats[*ncats].name, sizeof cats[0].name, "%.63s", name);
	return &cats[(*ncats)++];
}

/* Splits a TSV line into at most max fields; returns their number. */
static int
split(char *line, char **fields, int max)
{
	int			n = 0;
	char	   *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max)
	{
		fields[n++] = p;
		p = strchr(p, '\t');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

static void
regions(const ot_regions *rs, const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	Category	cats[MAX_CATEGORIES];
	int			ncats = 0,
				rows = 0,
				right = 0,
				wrong_province = 0,
				bad_labels = 0;

	if (f == NULL)
	{
		ok(false, "test/corpus/addresses.tsv can be read");
		return;
	}
	while (fgets(line, sizeof line, f) != NULL)
	{
		char	   *fl[5];
		char		folded[4096];
		int			want[3];
		ot_region_match m;
		Category   *c;
		bool		good;
		size_t		n;

		if (line[0] == '#' || line[0] == '\n' || split(line, fl, 5) != 5)
			continue;
		want[0] = code_of(fl[1], 1, 0);
		want[1] = code_of(fl[2], 2, want[0] > 0 ? want[0] : 0);
		want[2] = code_of(fl[3], 3, want[1] > 0 ? want[1] : 0);
		if (want[0] < 0 || want[1] < 0 || want[2] < 0)
		{
			if (bad_labels++ < SHOW)
				printf("# label names no division: %s|%s|%s\n", fl[1], fl[2], fl[3]);
			continue;
		}
		if ((c = category(cats, &ncats, fl[0])) == NULL)
			continue;
		n = ot_text_fold(fl[4], strlen(fl[4]), folded);
		m = ot_regions_match(rs, folded, n);
		good = m.province == want[0] && m.city == want[1] && m.district == want[2];
		c->rows++;
		rows++;
		if (good)
		{
			c->right++;
			right++;
		}
		if (m.province != 0 && m.province != want[0])
		{
			c->wrong_province++;
			wrong_province++;
		}
		if (!good && c->shown++ < SHOW)
			printf("# wrong (%s): %s -> %s|%s|%s, labelled %s|%s|%s\n", fl[0], fl[4],
				   name_of(m.province), name_of(m.city), name_of(m.district), fl[1], fl[2], fl[3]);
	}
	fclose(f);
	ok(bad_labels == 0, "every label names divisions of data/regions.tsv");
	for (int i = 0; i < ncats; i++)
	{
		char		name[512];

		snprintf(name, sizeof name, "regions, %.63s: %d of %d right (%.2f%%, target %.1f%%), %d in a wrong province",
				 cats[i].name, cats[i].right, cats[i].rows, 100.0 * cats[i].right / cats[i].rows,
				 100 * REGION_TARGET, cats[i].wrong_province);
		ok(cats[i].right >= REGION_TARGET * cats[i].rows, name);
	}
	{
		char		name[512];

		snprintf(name, sizeof name, "regions, all %d addresses: %d right (%.2f%%); at least 3000", rows, right,
				 rows ? 100.0 * right / rows : 0.0);
		ok(rows >= 3000 && right >= REGION_TARGET * rows, name);
		snprintf(name, sizeof name, "no address assigned to a province it does not name or imply (%d)", wrong_province);
		ok(wrong_province == 0, name);
	}
}

static void
units(const ot_units *u, const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	Category	cats[MAX_CATEGORIES];
	int			ncats = 0;
	int			tp = 0,			/* flagged, and names no unit */
				fp = 0,			/* flagged, but names one */
				fn = 0,			/* not flagged, but names no unit */
				tn = 0;

	if (f == NULL)
	{
		ok(false, "test/corpus/units.tsv can be read");
		return;
	}
	while (fgets(line, sizeof line, f) != NULL)
	{
		char	   *fl[3];
		char		folded[4096];
		Category   *c;
		bool		has_unit,
					named;
		size_t		n;

		if (line[0] == '#' || line[0] == '\n' || split(line, fl, 3) != 3)
			continue;
		if ((c = category(cats, &ncats, fl[0])) == NULL)
			continue;
		has_unit = fl[1][0] == 't';
		c->has_unit = has_unit;
		n = ot_text_fold(fl[2], strlen(fl[2]), folded);
		named = ot_units_named(u, folded, n);
		c->rows++;
		if (named == has_unit)
			c->right++;
		else if (c->shown++ < SHOW)
			printf("# wrong (%s): %s -> %s\n", fl[0], fl[2], named ? "names a unit" : "names none");
		if (!named)
			!has_unit ? tp++ : fp++;
		else
			!has_unit ? fn++ : tn++;
	}
	fclose(f);
	for (int i = 0; i < ncats; i++)
		printf("# units, %.63s (%s): %d of %d right (%.1f%%)\n", cats[i].name,
			   cats[i].has_unit ? "names a unit" : "names none", cats[i].right, cats[i].rows,
			   100.0 * cats[i].right / cats[i].rows);
	{
		char		name[512];
		int			rows = tp + fp + fn + tn;
		double		p = tp + fp ? (double) tp / (tp + fp) : 0,
					r = tp + fn ? (double) tp / (tp + fn) : 0,
					p2 = tn + fn ? (double) tn / (tn + fn) : 0,
					r2 = tn + fp ? (double) tn / (tn + fp) : 0;

		snprintf(name, sizeof name, "address_needs_unit on %d addresses: precision %.1f%%, recall %.1f%% (target %.0f%%; at least 400 rows)",
				 rows, 100 * p, 100 * r, 100 * UNIT_TARGET);
		ok(rows >= 400 && p >= UNIT_TARGET && r >= UNIT_TARGET, name);
		snprintf(name, sizeof name, "a unit named: precision %.1f%%, recall %.1f%% (target %.0f%%)",
				 100 * p2, 100 * r2, 100 * UNIT_TARGET);
		ok(p2 >= UNIT_TARGET && r2 >= UNIT_TARGET, name);
	}
}

int
main(void)
{
	ot_regions *rs = ot_regions_new();
	ot_units   *u = ot_units_new();

	load_divisions("data/regions.tsv");
	ok(load_regions(rs, "data/regions.tsv") > 3000 && ot_regions_build(rs) && ndivisions > 3000,
	   "data/regions.tsv loads");
	ok(load_units(u, "data/unit_keywords.tsv") > 0, "data/unit_keywords.tsv loads");
	regions(rs, "test/corpus/addresses.tsv");
	units(u, "test/corpus/units.tsv");
	ot_regions_free(rs);
	ot_units_free(u);
	free(divisions);
	printf("1..%d\n", test_no);
	return failures == 0 ? 0 : 1;
}
