/*
 * test_phone_corpus.c
 *	  The phone parser against the labelled corpus test/corpus/phones.tsv
 *	  (built by tools/phones_corpus.js, with libphonenumber as the reference
 *	  for which Chinese numbers exist): the verdict and the normal form of
 *	  every row, right in at least 99% of each category.  Prints each
 *	  category's share and the rows it gets wrong.  Run from the repository
 *	  root (or give the corpus's path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ot_phone.h"
#include "tap.h"

#define MAX_CATEGORIES 32
#define TARGET 0.99

static const char *const kinds[] = {"empty", "invalid", "cn_mobile", "cn_landline", "international"};

typedef struct Category
{
	char		name[64];
	int			rows;
	int			right;
} Category;

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "test/corpus/phones.tsv";
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	Category	cats[MAX_CATEGORIES];
	int			ncats = 0;
	int			rows = 0,
				right = 0,
				shown = 0;

	if (f == NULL)
	{
		printf("not ok 1 - cannot read %s\n1..1\n", path);
		return 1;
	}
	while (fgets(line, sizeof line, f) != NULL)
	{
		char	   *fields[4];
		char	   *p = line;
		int			n = 0;
		char		out[OT_PHONE_NORMALISED_MAX];
		ot_phone_kind got;
		Category   *c = NULL;
		int			ok;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		while (n < 4)
		{
			fields[n++] = p;
			p = strchr(p, '\t');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		if (n < 3)
			continue;
		if (n == 3)
			fields[3] = "";
		for (int i = 0; i < ncats; i++)
			if (strcmp(cats[i].name, fields[0]) == 0)
				c = &cats[i];
		if (c == NULL && ncats < MAX_CATEGORIES)
		{
			c = &cats[ncats++];
			snprintf(c->name, sizeof c->name, "%.63s", fields[0]);
			c->rows = c->right = 0;
		}
		if (c == NULL)
			continue;
		got = ot_phone_parse(fields[1], strlen(fields[1]), out);
		ok = strcmp(kinds[got], fields[2]) == 0 && strcmp(out, fields[3]) == 0;
		c->rows++;
		rows++;
		if (ok)
		{
			c->right++;
			right++;
		}
		else if (shown++ < 40)
			printf("# wrong (%s): \"%s\" gives %s \"%s\", labelled %s \"%s\"\n",
				   fields[0], fields[1], kinds[got], out, fields[2], fields[3]);
	}
	fclose(f);

	for (int i = 0; i < ncats; i++)
	{
		char		name[256];

		snprintf(name, sizeof name, "%.63s: %d of %d right (%.1f%%, target %.0f%%)", cats[i].name, cats[i].right,
				 cats[i].rows, 100.0 * cats[i].right / cats[i].rows, 100 * TARGET);
		ok(cats[i].right >= TARGET * cats[i].rows, name);
	}
	{
		char		name[256];

		snprintf(name, sizeof name, "all %d phone forms: %d right (%.2f%%); at least 300", rows, right,
				 rows ? 100.0 * right / rows : 0.0);
		ok(rows >= 300 && right >= TARGET * rows, name);
	}
	printf("1..%d\n", test_no);
	return failures == 0 ? 0 : 1;
}
